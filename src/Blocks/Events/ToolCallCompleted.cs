namespace ToolFlow.Blocks;

/// <summary>A tool finished a call and returned a result.</summary>
/// <param name="Call">The call.</param>
/// <param name="Result">What the tool returned.</param>
/// <param name="Duration">How long the tool ran.</param>
public sealed record ToolCallCompleted(ToolCall Call, object? Result, TimeSpan Duration) : ToolPipelineEvent
{
    /// <summary>
    /// The text the model sees in place of <see cref="Result"/> when the result was cut to a token budget (with a note
    /// saying so, after a <see cref="ToolResultTrimmed"/>); <see langword="null"/> when the model sees the result whole.
    /// </summary>
    public string? ResultForModel { get; init; }
}
