namespace ToolFlow.Blocks;

/// <summary>
/// A running call's tool reported progress (through <see cref="ToolProgress"/>, or an MCP server's
/// <c>notifications/progress</c>). The fields are MCP's: <see cref="Progress"/> in the tool's own units, of
/// <see cref="Total"/> when known, and a message for people.
/// </summary>
/// <param name="Call">The call.</param>
/// <param name="Progress">How far the tool has got, in its own units (often a percentage, or items done); <see langword="null"/> when it reported only a message.</param>
/// <param name="Total">What <paramref name="Progress"/> reaches when the work is done, if the tool knows it.</param>
/// <param name="Message">What the tool is doing, for people.</param>
/// <remarks>
/// A call's progress events come after its <see cref="ToolCallStarted"/> and before its <see cref="ToolCallCompleted"/>
/// or <see cref="ToolCallFailed"/>, never after; a report made once the call has ended is dropped. At most one is
/// emitted per call per <see cref="ToolExecutionBlockOptions.MinProgressInterval"/>: reports in between are coalesced,
/// the latest one winning. A call answered by an identical running call (<see cref="ToolCallDeduplicated"/>) and the
/// calls of a batch invocation report none of their own.
/// </remarks>
public sealed record ToolCallProgressed(ToolCall Call, double? Progress, double? Total, string? Message) : ToolPipelineEvent;
