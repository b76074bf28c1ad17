using ToolFlow.Profiling;
using ToolFlow.Testing;

namespace ToolFlow.Profiling.Tests;

/// <summary>The strategies on shipped scenarios, on the manual clock: exact, never sleeping.</summary>
public sealed class ScenarioRunnerTests
{
    private static Scenario Shipped(string name) => ShippedScenarios.Load(name);

    private static Dictionary<ExecutionStrategy, ScenarioRun> RunAll(Scenario scenario, int seed)
    {
        var clock = new ManualTimeProvider();
        var scheduler = new ManualTaskScheduler();
        var runs = new Dictionary<ExecutionStrategy, ScenarioRun>();
        VirtualTime.Run(clock, scheduler, async () =>
        {
            foreach (ExecutionStrategy strategy in ExecutionStrategyExtensions.All.Where(s => s.AppliesTo(scenario)))
            {
                runs[strategy] = await ScenarioRunner.RunAsync(scenario, strategy, seed, clock, scheduler);
            }
        });
        return runs;
    }

    [Theory]
    [InlineData("hotpotqa-fanout")]
    [InlineData("dependent-chain")]
    [InlineData("straggler")]
    [InlineData("failing-retried")]
    [InlineData("multi-turn-agent")]
    [InlineData("parallelqa-dag")]
    [InlineData("asynctool-multitask")]
    public void RunAsync_AwaitMode_EqualsTheLowerBoundExactly(string name)
    {
        Scenario scenario = Shipped(name);
        foreach (int seed in new[] { 1, 2, 3 })
        {
            ScenarioRun run = RunAll(scenario, seed)[ExecutionStrategy.Await];

            Assert.Equal(ScenarioRendering.LowerBoundOf(scenario, ScenarioRealization.Sample(scenario, seed)).TotalMilliseconds, run.LowerBoundMs);
            Assert.Equal(run.LowerBoundMs, run.EndToEndMs);
        }
    }

    [Theory]
    [InlineData("hotpotqa-fanout")]
    [InlineData("movie-fanout")]
    [InlineData("dependent-chain")]
    [InlineData("failing-retried")]
    [InlineData("early-calls-long-text")]
    public void RunAsync_AfterDecodeAndSequential_MatchTheirAnalyticCosts(string name)
    {
        Scenario scenario = Shipped(name);
        Dictionary<ExecutionStrategy, ScenarioRun> runs = RunAll(scenario, 7);
        ScenarioRealization draw = ScenarioRealization.Sample(scenario, 7);

        Assert.Equal(ScenarioRendering.AfterDecodeCostOf(scenario, draw).TotalMilliseconds, runs[ExecutionStrategy.AfterDecode].EndToEndMs);
        Assert.Equal(ScenarioRendering.SequentialCostOf(scenario, draw).TotalMilliseconds, runs[ExecutionStrategy.Sequential].EndToEndMs);
        Assert.True(runs[ExecutionStrategy.Await].EndToEndMs < runs[ExecutionStrategy.AfterDecode].EndToEndMs);
    }

    [Theory]
    [InlineData("asynctool-multitask")]
    [InlineData("multi-turn-agent")]
    public void RunAsync_CallsOutliveTheirTurn_FuturesIsNoSlowerThanAwait(string name)
    {
        Dictionary<ExecutionStrategy, ScenarioRun> runs = RunAll(Shipped(name), 1);

        Assert.True(runs[ExecutionStrategy.Futures].EndToEndMs <= runs[ExecutionStrategy.Await].EndToEndMs, $"futures {runs[ExecutionStrategy.Futures].EndToEndMs} ms, await {runs[ExecutionStrategy.Await].EndToEndMs} ms");
    }

    [Fact]
    public void RunAsync_PlanScenario_EachStepStartsAtItsLastDependencysCompletion()
    {
        ScenarioRun plan = RunAll(Shipped("parallelqa-dag"), 1)[ExecutionStrategy.Plan];

        CallTiming[] calls = [.. plan.Conversations[0].Calls.Where(c => c.Name != "join")];
        Assert.Equal(7, calls.Length);
        Assert.All(calls, c => Assert.False(c.Failed));
        Assert.Equal(Math.Max(calls[0].CompletedMs!.Value, calls[1].CompletedMs!.Value), calls[2].StartedMs);
        Assert.Equal(Math.Max(calls[3].CompletedMs!.Value, calls[4].CompletedMs!.Value), calls[5].StartedMs);
    }

    [Fact]
    public void RunAsync_RetriedTool_FailsThenSucceedsWithTheDrawnBackoff()
    {
        Scenario scenario = Shipped("failing-retried");
        ScenarioRun run = RunAll(scenario, 1)[ExecutionStrategy.Await];
        CallDraw quotes = ScenarioRealization.Sample(scenario, 1).Of(0, "quotes");

        CallTiming call = run.Conversations[0].Calls.Single(c => c.CallId == "call_t1_0");
        Assert.True(quotes.FailedAttempts >= 1);
        Assert.True(quotes.Succeeds);
        Assert.False(call.Failed);
        Assert.Equal(quotes.Duration.TotalMilliseconds, call.CompletedMs!.Value - call.StartedMs!.Value);
    }

    [Fact]
    public void RunAsync_SameSeed_DrawsTheSameWorkForEveryStrategy()
    {
        Scenario scenario = Shipped("movie-fanout");
        ScenarioRealization a = ScenarioRealization.Sample(scenario, 5);
        ScenarioRealization b = ScenarioRealization.Sample(scenario, 5);
        ScenarioRealization c = ScenarioRealization.Sample(scenario, 6);

        Assert.Equal(a.Of(0, "t1c3").Duration, b.Of(0, "t1c3").Duration);
        Assert.NotEqual(
            scenario.Conversations[0].Turns[0].Calls.Select(x => a.Of(0, x.Id).Duration),
            scenario.Conversations[0].Turns[0].Calls.Select(x => c.Of(0, x.Id).Duration));
    }
}
