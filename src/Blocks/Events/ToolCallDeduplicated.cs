namespace ToolFlow.Blocks;

/// <summary>
/// A read-only or idempotent call is identical (same tool, same canonical arguments) to an earlier call of the
/// conversation, so it does not run again: it gets that call's result when it has one.
/// </summary>
/// <param name="Call">The duplicate call.</param>
/// <param name="OriginalCallId">The call that runs for both.</param>
public sealed record ToolCallDeduplicated(ToolCall Call, string OriginalCallId) : ToolPipelineEvent;
