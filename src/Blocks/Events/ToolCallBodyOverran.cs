namespace ToolFlow.Blocks;

/// <summary>
/// A call's tool body is still running <see cref="SinceCallEnded"/> after its call ended (it timed out or was
/// cancelled and ignores its token): <see cref="ToolExecutionBlockOptions.OverrunGracePeriod"/> has passed. The body
/// keeps its concurrency slot until it returns (<see cref="ToolCallBodyReturned"/>); whatever it returns is never merged.
/// </summary>
/// <param name="Call">The call; its <see cref="ToolCall.Name"/> is the tool.</param>
/// <param name="SinceCallEnded">How long ago the call ended.</param>
public sealed record ToolCallBodyOverran(ToolCall Call, TimeSpan SinceCallEnded) : ToolPipelineEvent;
