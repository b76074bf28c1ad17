using Microsoft.ML.Tokenizers;
using ToolFlow.Blocks;

namespace ToolFlow.Tokenizers;

/// <summary>
/// An <see cref="ITokenCounter"/> on a <c>Microsoft.ML.Tokenizers</c> tokenizer: Tiktoken's o200k_base (GPT-4o, GPT-4.1,
/// o-series) and cl100k_base (GPT-4, GPT-3.5), whose vocabularies ship in their data packages, or any tokenizer you give.
/// </summary>
public sealed class TiktokenCounter : ITokenCounter
{
    private static readonly Lazy<TiktokenCounter> s_o200k = new(() => new(TiktokenTokenizer.CreateForEncoding("o200k_base"), "o200k_base"));
    private static readonly Lazy<TiktokenCounter> s_cl100k = new(() => new(TiktokenTokenizer.CreateForEncoding("cl100k_base"), "cl100k_base"));

    private readonly Tokenizer _tokenizer;

    /// <summary>Wraps a tokenizer.</summary>
    /// <param name="tokenizer">The tokenizer, for instance one from <c>TiktokenTokenizer.CreateForModel</c>.</param>
    /// <param name="name">The name events and reports give it.</param>
    public TiktokenCounter(Tokenizer tokenizer, string name)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentException.ThrowIfNullOrEmpty(name);
        _tokenizer = tokenizer;
        Name = name;
    }

    /// <summary>Tiktoken o200k_base (GPT-4o, GPT-4.1, o1, o3, o4-mini). Loaded once, on first use.</summary>
    public static TiktokenCounter O200kBase => s_o200k.Value;

    /// <summary>Tiktoken cl100k_base (GPT-4, GPT-3.5). Loaded once, on first use.</summary>
    public static TiktokenCounter Cl100kBase => s_cl100k.Value;

    /// <summary>The names <see cref="FromName"/> knows.</summary>
    public static IReadOnlyList<string> KnownNames { get; } = ["o200k_base", "cl100k_base"];

    /// <inheritdoc/>
    public string Name { get; }

    /// <summary>The counter named <paramref name="name"/>: <c>o200k_base</c> (or <c>o200k</c>) or <c>cl100k_base</c> (or <c>cl100k</c>), any case.</summary>
    /// <param name="name">The encoding's name.</param>
    /// <returns>The counter.</returns>
    /// <exception cref="ArgumentException">No encoding has that name.</exception>
    public static TiktokenCounter FromName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.ToUpperInvariant() switch
        {
            "O200K_BASE" or "O200K" => O200kBase,
            "CL100K_BASE" or "CL100K" => Cl100kBase,
            _ => throw new ArgumentException($"Unknown tokenizer '{name}'; known: {string.Join(", ", KnownNames)}.", nameof(name)),
        };
    }

    /// <inheritdoc/>
    public int CountTokens(ReadOnlySpan<char> text) => text.IsEmpty ? 0 : _tokenizer.CountTokens(text, considerPreTokenization: true, considerNormalization: false);

    /// <inheritdoc/>
    public IReadOnlyList<int> SplitTokens(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0)
        {
            return [];
        }

        IReadOnlyList<EncodedToken> tokens = _tokenizer.EncodeToTokens(text, out _, considerPreTokenization: true, considerNormalization: false);
        var lengths = new List<int>(tokens.Count);
        int start = 0;
        foreach (EncodedToken token in tokens)
        {
            // Byte-level tokens can end inside a character (their offsets then overlap the next token's); a piece ends
            // only where a token ends past everything before it, and never between a surrogate pair's halves.
            int end = Math.Min(token.Offset.End.GetOffset(text.Length), text.Length);
            if (end <= start || (end < text.Length && char.IsLowSurrogate(text[end])))
            {
                continue;
            }

            lengths.Add(end - start);
            start = end;
        }

        if (start < text.Length)
        {
            lengths.Add(text.Length - start);
        }

        return lengths;
    }
}
