namespace ToolFlow.Blocks;

/// <summary>A permission policy decided about a call, at dispatch or when its result arrived.</summary>
/// <param name="Call">The call.</param>
/// <param name="Checkpoint">When it was asked.</param>
/// <param name="Decision">What it decided, with the policy's name and revision.</param>
public sealed record ToolCallPermissionChecked(ToolCall Call, ToolPermissionCheckpoint Checkpoint, ToolPermissionDecision Decision) : ToolPipelineEvent;
