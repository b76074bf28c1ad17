namespace ToolFlow.Blocks;

/// <summary>A tool began executing a call.</summary>
/// <param name="Call">The call.</param>
public sealed record ToolCallStarted(ToolCall Call) : ToolPipelineEvent;
