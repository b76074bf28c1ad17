namespace ToolFlow.Blocks;

/// <summary>
/// Watches a work whose calls have all ended while its tool body still runs and holds the slot: after the block's
/// <see cref="ToolExecutionBlockOptions.OverrunGracePeriod"/> the body is reported as overrunning. Made only for such
/// works, so a call that returns in time costs nothing. Guarded by the gate's lock.
/// </summary>
internal sealed class BodyWatch(CallGate gate, ExecutorWork work, long endedAt)
{
    public CallGate Gate { get; } = gate;

    public ExecutorWork Work { get; } = work;

    /// <summary>When the last of the work's calls ended, on the block's clock.</summary>
    public long EndedAt { get; } = endedAt;

    public ITimer? Timer { get; set; }

    /// <summary>Whether the grace period passed before the body returned.</summary>
    public bool Overran { get; set; }

    /// <summary>Whether the body has returned (a timer that fires afterwards does nothing).</summary>
    public bool Returned { get; set; }
}
