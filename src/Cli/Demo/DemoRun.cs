using ToolFlow.Profiling;

namespace ToolFlow.Cli.Demo;

/// <summary>One measured run of the demo.</summary>
/// <param name="Strategy">How its calls ran.</param>
/// <param name="Timeline">What happened, when.</param>
/// <param name="Plan">The turns the model streamed, with the tools' latencies.</param>
internal sealed record DemoRun(ExecutionStrategy Strategy, RunTimeline Timeline, IReadOnlyList<TurnPlan> Plan)
{
    public double EndToEndMs => Timeline.EndToEndMs ?? double.NaN;

    public double LowerBoundMs => LowerBound.Of(Plan).TotalMilliseconds;
}
