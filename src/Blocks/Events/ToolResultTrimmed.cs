namespace ToolFlow.Blocks;

/// <summary>
/// A result was cut to fit a token budget before it entered the conversation. The model sees the cut text with a note
/// (<see cref="ToolCallCompleted.ResultForModel"/>, or the turn's messages for a turn's cut); the full result stays on
/// <see cref="ToolCallCompleted.Result"/>.
/// </summary>
/// <param name="Call">The call whose result was cut.</param>
/// <param name="TokensBefore">The result's tokens as the model would have read it.</param>
/// <param name="TokensAfter">The tokens the model reads now, the note included.</param>
/// <param name="BudgetTokens">The budget it was cut to.</param>
/// <param name="Strategy">The strategy that made the cut (<c>head-and-tail</c>, <c>json</c>, or a delegate's name).</param>
/// <param name="Scope">Whether the result's own budget or its turn's made the cut.</param>
public sealed record ToolResultTrimmed(
    ToolCall Call,
    int TokensBefore,
    int TokensAfter,
    int BudgetTokens,
    string Strategy,
    ToolResultTrimScope Scope) : ToolPipelineEvent;
