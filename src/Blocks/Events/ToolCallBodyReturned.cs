namespace ToolFlow.Blocks;

/// <summary>
/// A tool body reported by <see cref="ToolCallBodyOverran"/> has returned, <see cref="SinceCallEnded"/> after its call
/// ended, and given its concurrency slot back.
/// </summary>
/// <param name="Call">The call; its <see cref="ToolCall.Name"/> is the tool.</param>
/// <param name="SinceCallEnded">How long after the call ended its body returned.</param>
public sealed record ToolCallBodyReturned(ToolCall Call, TimeSpan SinceCallEnded) : ToolPipelineEvent;
