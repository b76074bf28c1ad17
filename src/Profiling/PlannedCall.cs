namespace ToolFlow.Profiling;

/// <summary>A call as a plan knows it before the run: when its arguments close and how long its tool takes.</summary>
/// <param name="Closed">When the call's arguments are complete, from the start of its turn.</param>
/// <param name="Latency">How long the tool takes (with retries: every attempt and every backoff).</param>
public readonly record struct PlannedCall(TimeSpan Closed, TimeSpan Latency)
{
    /// <summary>
    /// The positions, in the same turn, of the calls whose results this one needs; <see langword="null"/> or empty
    /// for none. Calls of earlier turns have finished before the turn starts, so they never delay it.
    /// </summary>
    public IReadOnlyList<int>? DependsOn { get; init; }
}
