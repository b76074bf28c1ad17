namespace ToolFlow.Blocks;

/// <summary>A closed call cannot start yet, and says what it waits for.</summary>
/// <param name="Call">The call.</param>
/// <param name="Reason">What it waits for.</param>
/// <param name="Detail">For dependencies, the ids of the calls it waits for.</param>
public sealed record ToolCallWaiting(ToolCall Call, ToolCallWaitReason Reason, string? Detail) : ToolPipelineEvent;
