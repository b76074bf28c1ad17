namespace ToolFlow.Blocks;

/// <summary>A tool finished a call and returned a result.</summary>
/// <param name="Call">The call.</param>
/// <param name="Result">What the tool returned.</param>
/// <param name="Duration">How long the tool ran.</param>
public sealed record ToolCallCompleted(ToolCall Call, object? Result, TimeSpan Duration) : ToolPipelineEvent;
