namespace ToolFlow.Blocks;

/// <summary>
/// A call ended without a result: the tool threw, the tool is unknown, the arguments were invalid, or it was
/// cancelled. The model receives <see cref="ResultForModel"/> as the call's result.
/// </summary>
/// <param name="Call">The call.</param>
/// <param name="Kind">What went wrong.</param>
/// <param name="Message">A sentence for people.</param>
/// <param name="ResultForModel">The error text the model sees as the call's result.</param>
/// <param name="Exception">The exception the tool threw, when it threw one.</param>
/// <param name="Duration">How long the tool ran, or <see langword="null"/> when it never started.</param>
public sealed record ToolCallFailed(
    ToolCall Call,
    ToolCallFailureKind Kind,
    string Message,
    string ResultForModel,
    Exception? Exception,
    TimeSpan? Duration) : ToolPipelineEvent;
