namespace ToolFlow.Blocks;

/// <summary>
/// The call whose tool is running in this flow: what a tool that forwards its call elsewhere (another process, another
/// node) needs to name it there and to keep an attempt apart from a re-run.
/// </summary>
/// <remarks>
/// Set around each attempt by the <see cref="ToolExecutionBlock"/> that runs the call, in the same async-local value
/// as <see cref="ToolProgress.Current"/>; <see langword="null"/> outside a call.
/// </remarks>
public sealed class ToolCallContext
{
    private ToolCallContext(ToolCall call, ToolDescriptor tool, int attempt)
    {
        Call = call;
        Tool = tool;
        Attempt = attempt;
    }

    /// <summary>The call running in this flow, or <see langword="null"/> outside a call run by a <see cref="ToolExecutionBlock"/>.</summary>
    public static ToolCallContext? Current =>
        ToolProgress.CurrentAttempt is { } current && current.Run.Tool is { } tool ? new ToolCallContext(current.Run.State.Call, tool, current.Attempt) : null;

    /// <summary>The call: its id, tool name and arguments.</summary>
    public ToolCall Call { get; }

    /// <summary>The tool as the pipeline knows it: its effects, timeout and retries.</summary>
    public ToolDescriptor Tool { get; }

    /// <summary>The attempt, from 1; a retry of the same call counts up.</summary>
    public int Attempt { get; }

    /// <summary>The call's idempotency key when its tool honours keys and one was given, else <see langword="null"/>.</summary>
    public string? IdempotencyKey => ToolIdempotency.CurrentKey;
}
