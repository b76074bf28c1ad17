using ToolFlow.Blocks;
using ToolFlow.Tokenizers;

namespace ToolFlow.StreamParsers.Tests;

/// <summary>
/// One more split strategy for the conformance runner: a case's text cut where a real tokenizer's tokens end, one chunk
/// per token, as a model streams it (o200k_base for GPT-4o and later, cl100k_base for GPT-4).
/// </summary>
internal static class TokenBoundaries
{
    public static IReadOnlyList<ITokenCounter> Tokenizers { get; } = [TiktokenCounter.O200kBase, TiktokenCounter.Cl100kBase];

    /// <summary>The text in each tokenizer's tokens, with the tokenizer's name.</summary>
    public static IEnumerable<(string Tokenizer, string[] Chunks)> Splits(string text) =>
        Tokenizers.Select(t => (t.Name, Cut(text, t.SplitTokens(text))));

    public static string[] Cut(string text, IReadOnlyList<int> lengths)
    {
        var chunks = new string[lengths.Count];
        int start = 0;
        for (int i = 0; i < lengths.Count; i++)
        {
            chunks[i] = text.Substring(start, lengths[i]);
            start += lengths[i];
        }

        return chunks;
    }
}
