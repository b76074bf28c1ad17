namespace ToolFlow.Blocks;

/// <summary>
/// A call's result arrived after its permission was revoked: it is kept here, and in the ledger, but never merged into
/// the conversation; the call ends as <see cref="ToolCallFailureKind.Quarantined"/>.
/// </summary>
/// <param name="Call">The call.</param>
/// <param name="Result">What the tool returned.</param>
/// <param name="Decision">The refusal at <see cref="ToolPermissionCheckpoint.Result"/>.</param>
public sealed record ToolResultQuarantined(ToolCall Call, object? Result, ToolPermissionDecision Decision) : ToolPipelineEvent;
