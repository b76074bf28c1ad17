namespace ToolFlow.Blocks;

/// <summary>A result to cut down to a budget: what a <see cref="ToolResultTrimmer"/> is given.</summary>
/// <param name="Call">The call whose result it is.</param>
/// <param name="Text">The result as the model would see it whole (a string result as is, anything else as JSON).</param>
/// <param name="Tokens">How many tokens <see cref="Text"/> is, by <see cref="Counter"/>.</param>
/// <param name="BudgetTokens">The most tokens the text the trimmer returns may be, its note included.</param>
/// <param name="Counter">The tokenizer the budget is counted with.</param>
/// <param name="Scope">Which budget this is.</param>
/// <param name="ReferenceNote">
/// The sentence a note should end with, telling the model truthfully how the full result can still be read (a
/// <c>{"$future": "call id"}</c> argument when the run resolves references, otherwise that it cannot).
/// </param>
public sealed record ToolResultTrimRequest(
    ToolCall Call,
    string Text,
    int Tokens,
    int BudgetTokens,
    ITokenCounter Counter,
    ToolResultTrimScope Scope,
    string ReferenceNote);
