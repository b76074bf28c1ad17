namespace ToolFlow.Blocks;

/// <summary>
/// Counts and splits text into a model's tokens. ToolFlow reads it for context budgets, for the conversation's size
/// against the model's context window, and for the scripted model's token stream. <c>ToolFlow.Tokenizers</c> gives
/// Tiktoken's o200k_base and cl100k_base; implement it to plug in your model's own tokenizer.
/// </summary>
/// <remarks>Implementations must be thread-safe: one counter serves every run of a pipeline at once.</remarks>
public interface ITokenCounter
{
    /// <summary>The tokenizer's name, for events and reports (for instance <c>o200k_base</c>).</summary>
    string Name { get; }

    /// <summary>Counts the tokens of <paramref name="text"/>.</summary>
    /// <param name="text">The text.</param>
    /// <returns>How many tokens the model reads for it.</returns>
    int CountTokens(ReadOnlySpan<char> text);

    /// <summary>
    /// Splits <paramref name="text"/> at its token boundaries, as the model would emit it: the length in characters of
    /// each successive piece. Every piece is at least one character, the lengths add up to the text's length, and no
    /// piece ends inside a surrogate pair (tokens that end mid character are joined with the next).
    /// </summary>
    /// <param name="text">The text.</param>
    /// <returns>The pieces' lengths, in order; empty for empty text.</returns>
    IReadOnlyList<int> SplitTokens(string text);
}
