namespace ToolFlow.Blocks;

/// <summary>
/// The call whose tool is running in this flow, as a nested run inside that tool (a sub-agent) sees it: the call, its
/// executor, what built its block, and a way to surface events and to give back its slots while it waits.
/// </summary>
/// <remarks>Found through the same async-local value as <see cref="ToolProgress.Current"/>, set around each attempt.</remarks>
internal readonly struct RunningCall
{
    private readonly CallRun _run;
    private readonly int _attempt;

    private RunningCall(CallRun run, int attempt)
    {
        _run = run;
        _attempt = attempt;
    }

    /// <summary>The call running in this flow, or <see langword="null"/> outside a call run by a <see cref="ToolExecutionBlock"/>.</summary>
    public static RunningCall? Current => ToolProgress.CurrentAttempt is { } current ? new RunningCall(current.Run, current.Attempt) : null;

    /// <summary>The call.</summary>
    public ToolCall Call => _run.State.Call;

    /// <summary>The executor whose slots the call takes.</summary>
    public ToolExecutor Executor => _run.Invoker.Executor;

    /// <summary>What built the call's block (<see cref="ToolExecutionBlockOptions.Owner"/>).</summary>
    public object? Owner => _run.Invoker.Owner;

    /// <summary>Emits an event in the call's block while the attempt and the call run.</summary>
    /// <returns>Whether it was emitted; <see langword="false"/> once the attempt or the call has ended.</returns>
    public bool Emit(ToolPipelineEvent @event) => _run.Invoker.Gate.OnNestedEvent(_run, _attempt, @event);

    /// <summary>
    /// Gives back the call's global and conversation slots (its tool's slot stays taken) before it waits for calls of
    /// the same executor, which could otherwise wait for them.
    /// </summary>
    /// <returns>Whether they were given back now.</returns>
    public bool LendSlots() => _run.Invoker.LendSlots(_run);
}
