namespace ToolFlow.Blocks;

/// <summary>
/// A call to a tool that needs approval is waiting for the approver's decision (just after a
/// <see cref="ToolCallWaiting"/> with <see cref="ToolCallWaitReason.Approval"/> when a decision can come). Answer it
/// with a run's <c>Approve</c> / <c>Deny</c> or the <see cref="ToolExecutionBlockOptions.ApprovalHandler"/>.
/// </summary>
/// <param name="Call">The call, with its final arguments.</param>
public sealed record ToolCallApprovalRequested(ToolCall Call) : ToolPipelineEvent;
