namespace ToolFlow.Blocks;

/// <summary>
/// A result arrived for a call that had already ended (it was cancelled while running): it is recorded here as
/// stale and never merged into the conversation.
/// </summary>
/// <param name="Call">The call.</param>
/// <param name="Result">What the tool returned, late.</param>
public sealed record ToolResultDiscarded(ToolCall Call, object? Result) : ToolPipelineEvent;
