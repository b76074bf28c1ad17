namespace ToolFlow.Perf;

/// <summary>A call as a plan knows it before the run: when its arguments close and how long its tool takes.</summary>
/// <param name="Closed">When the call's arguments are complete, from the start of its turn.</param>
/// <param name="Latency">How long the tool takes.</param>
public readonly record struct PlannedCall(TimeSpan Closed, TimeSpan Latency);
