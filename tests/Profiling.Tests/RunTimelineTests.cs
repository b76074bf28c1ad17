using ToolFlow.Profiling;
using ToolFlow.Testing;

namespace ToolFlow.Profiling.Tests;

/// <summary>The timeline a scenario run records, on the manual clock, against the scenario's analytic plan.</summary>
public sealed class RunTimelineTests
{
    [Fact]
    public void Record_AwaitRun_TimesEachTurnAndCallAsThePlanSays()
    {
        Scenario scenario = ShippedScenarios.Load("hotpotqa-fanout");
        var clock = new ManualTimeProvider();
        var scheduler = new ManualTaskScheduler();
        ScenarioRun run = null!;
        VirtualTime.Run(clock, scheduler, async () => run = await ScenarioRunner.RunAsync(scenario, ExecutionStrategy.Await, 1, clock, scheduler));
        IReadOnlyList<TurnPlan> plan = ScenarioRendering.TurnPlans(scenario, 0, ScenarioRealization.Sample(scenario, 1));

        RunTimeline timeline = Assert.Single(run.Conversations);
        Assert.Equal(scenario.Name, timeline.Name); // a single conversation is named as its scenario
        Assert.Equal([1, 2], timeline.Turns.Select(t => t.Turn));

        // The first turn: the request at 0, the first token after the model's 300 ms, the last at the plan's decode.
        TurnTiming first = timeline.Turns[0];
        Assert.Equal(0, first.StartedMs);
        Assert.Equal(300, first.FirstTokenMs);
        Assert.Equal(plan[0].Decode.TotalMilliseconds, first.DecodeEndMs);

        // Each call closes where the plan says, starts at once and takes its drawn latency.
        Assert.Equal(2, timeline.Calls.Count);
        for (int i = 0; i < timeline.Calls.Count; i++)
        {
            CallTiming call = timeline.Calls[i];
            Assert.Equal(1, call.Turn);
            Assert.Equal(plan[0].Calls[i].Closed.TotalMilliseconds, call.ClosedMs);
            Assert.Equal(call.ClosedMs, call.StartedMs);
            Assert.Equal(call.StartedMs + plan[0].Calls[i].Latency.TotalMilliseconds, call.CompletedMs);
            Assert.False(call.Failed);
        }

        // The second turn starts when the first turn's decode and calls are all done, and the run ends with its decode.
        TurnTiming second = timeline.Turns[1];
        Assert.Equal(LowerBound.Of(plan[0]).TotalMilliseconds, second.StartedMs);
        Assert.Equal(second.StartedMs + plan[1].Decode.TotalMilliseconds, second.DecodeEndMs);
        Assert.Equal(second.DecodeEndMs, timeline.EndToEndMs);
        Assert.NotNull(timeline.Completed);
    }
}
