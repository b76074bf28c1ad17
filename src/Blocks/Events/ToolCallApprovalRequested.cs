namespace ToolFlow.Blocks;

/// <summary>A call to a tool that needs approval is waiting for the approver's decision.</summary>
/// <param name="Call">The call, with its final arguments.</param>
public sealed record ToolCallApprovalRequested(ToolCall Call) : ToolPipelineEvent;
