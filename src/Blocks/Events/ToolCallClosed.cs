namespace ToolFlow.Blocks;

/// <summary>A call's arguments are complete: from this instant it may run.</summary>
/// <param name="Call">The call.</param>
public sealed record ToolCallClosed(ToolCall Call) : ToolPipelineEvent;
