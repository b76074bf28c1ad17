using ToolFlow.Profiling;
using ToolFlow.Testing;

namespace ToolFlow.Profiling.Tests;

/// <summary>
/// The real libraries as strategies, on the manual clock: the schedule each produces on the scripted stream every
/// strategy reads (fragments as they decode, whole calls at the end), exact in virtual time.
/// </summary>
public sealed class PeerRunnerTests
{
    private static readonly ExecutionStrategy[] s_peers =
        [ExecutionStrategy.Ficc, ExecutionStrategy.FiccConcurrent, ExecutionStrategy.Agent, ExecutionStrategy.AgentConcurrent];

    private static ScenarioRun Run(Scenario scenario, ExecutionStrategy strategy, int seed)
    {
        var clock = new ManualTimeProvider();
        var scheduler = new ManualTaskScheduler();
        ScenarioRun run = null!;
        VirtualTime.Run(clock, scheduler, async () => run = await ScenarioRunner.RunAsync(scenario, strategy, seed, clock, scheduler));
        return run;
    }

    // hotpotqa-fanout, seed 1, in o200k_base tokens at 60 a second: the first turn's two searches close on its tokens 19
    // and 32 (617 and 833 ms), its 42nd and last token is at 983 ms, and the draw gives them 453 and 616 ms; the answer
    // turn's 12 tokens take 483 ms (300 to the first token).
    [Theory]
    [InlineData(ExecutionStrategy.Ficc)]
    [InlineData(ExecutionStrategy.Agent)]
    public void RunAsync_DefaultPeer_RunsTheTurnsCallsOneAfterAnotherOnceTheDecodeEnds(ExecutionStrategy strategy)
    {
        RunTimeline timeline = Assert.Single(Run(ShippedScenarios.Load("hotpotqa-fanout"), strategy, 1).Conversations);

        Assert.Equal([new TurnTiming(1, 0, 300, 983), new TurnTiming(2, 2052, 2352, 2535)], timeline.Turns);
        Assert.Equal(
            [
                new CallTiming("call_t1_0", "search", 1, 617, 983, 1436, false),
                new CallTiming("call_t1_1", "search", 1, 833, 1436, 2052, false),
            ],
            timeline.Calls);
        Assert.Equal(2535, timeline.EndToEndMs);
        Assert.Null(timeline.Completed);
    }

    [Theory]
    [InlineData(ExecutionStrategy.FiccConcurrent)]
    [InlineData(ExecutionStrategy.AgentConcurrent)]
    public void RunAsync_ConcurrentPeer_RunsTheTurnsCallsTogetherOnceTheDecodeEnds(ExecutionStrategy strategy)
    {
        RunTimeline timeline = Assert.Single(Run(ShippedScenarios.Load("hotpotqa-fanout"), strategy, 1).Conversations);

        Assert.Equal([new TurnTiming(1, 0, 300, 983), new TurnTiming(2, 1599, 1899, 2082)], timeline.Turns);
        Assert.Equal(
            [
                new CallTiming("call_t1_0", "search", 1, 617, 983, 1436, false),
                new CallTiming("call_t1_1", "search", 1, 833, 983, 1599, false),
            ],
            timeline.Calls);
        Assert.Equal(2082, timeline.EndToEndMs);
    }

    [Fact]
    public void RunAsync_ToolFlowAwaitOnTheSameStream_StartsEachCallAsItCloses()
    {
        ScenarioRun run = Run(ShippedScenarios.Load("hotpotqa-fanout"), ExecutionStrategy.Await, 1);

        RunTimeline timeline = Assert.Single(run.Conversations);
        Assert.Equal([new TurnTiming(1, 0, 300, 983), new TurnTiming(2, 1449, 1749, 1932)], timeline.Turns);
        Assert.Equal(
            [
                new CallTiming("call_t1_0", "search", 1, 617, 617, 1070, false),
                new CallTiming("call_t1_1", "search", 1, 833, 833, 1449, false),
            ],
            timeline.Calls);
        Assert.Equal(1932, run.EndToEndMs);
        Assert.Equal(run.LowerBoundMs, run.EndToEndMs);
    }

    // An overloadable tool's latency depends on the width it runs at, which the analytic costs do not model.
    public static TheoryData<string> Scenarios() =>
        [.. System.IO.Directory.GetFiles(ShippedScenarios.Directory, "*.json").Where(f => !ScenarioLoader.Load(f).HasOverload).Select(f => Path.GetFileNameWithoutExtension(f)).Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void RunAsync_EveryShippedScenario_PeersCostWhatTheirPolicyCostsAnalyticallyOnTheStreamToolFlowReads(string name)
    {
        Scenario scenario = ShippedScenarios.Load(name);
        ScenarioRealization draw = ScenarioRealization.Sample(scenario, 2);
        ScenarioRun toolFlow = Run(scenario, ExecutionStrategy.Await, 2);

        foreach (ExecutionStrategy strategy in s_peers)
        {
            Assert.True(strategy.AppliesTo(scenario));
            ScenarioRun run = Run(scenario, strategy, 2);

            // Default: decode + every call in turn; concurrent: decode + the longest dependency chain.
            TimeSpan cost = strategy is ExecutionStrategy.Ficc or ExecutionStrategy.Agent
                ? ScenarioRendering.SequentialCostOf(scenario, draw)
                : ScenarioRendering.AfterDecodeCostOf(scenario, draw);
            Assert.Equal(cost.TotalMilliseconds, run.EndToEndMs);
            Assert.Equal(toolFlow.LowerBoundMs, run.LowerBoundMs);

            for (int c = 0; c < run.Conversations.Count; c++)
            {
                RunTimeline peer = run.Conversations[c];
                RunTimeline reference = toolFlow.Conversations[c];

                // The same stream: each call closes as far into its turn as ToolFlow sees it close, and the first turn,
                // which no strategy has changed yet, is the same turn.
                Assert.Equal(IntoTurn(reference), IntoTurn(peer));
                Assert.Equal(reference.Turns[0], peer.Turns[0]);

                // No call starts before its turn's decode ends, and every call ends.
                Assert.All(peer.Calls, x => Assert.True(x.StartedMs >= peer.Turns[x.Turn - 1].DecodeEndMs, $"{name} {strategy.ToName()}: {x}"));
                Assert.All(peer.Calls, x => Assert.NotNull(x.CompletedMs));
            }
        }
    }

    private static IEnumerable<(string, double)> IntoTurn(RunTimeline timeline) =>
        timeline.Calls.Select(x => (x.CallId, x.ClosedMs - timeline.Turns[x.Turn - 1].StartedMs)).Order();

    [Fact]
    public void RunAsync_DependentCallsUnderConcurrentPeer_ADependentStartsWhenItsDependencyEnds()
    {
        Scenario scenario = ShippedScenarios.Load("dependent-chain");
        ScenarioRun run = Run(scenario, ExecutionStrategy.FiccConcurrent, 1);

        RunTimeline timeline = Assert.Single(run.Conversations);
        ScenarioCall[] calls = [.. scenario.Conversations[0].Turns.SelectMany(t => t.Calls)];
        foreach (ScenarioCall call in calls.Where(c => c.DependsOn.Count > 0))
        {
            CallTiming timing = timeline.Calls.Single(x => x.CallId == call.RuntimeId);
            double dependenciesEnd = call.DependsOn.Select(d => timeline.Calls.Single(x => x.CallId == calls.Single(c => c.Id == d).RuntimeId).CompletedMs!.Value).Max();
            Assert.Equal(Math.Max(dependenciesEnd, timeline.Turns[call.Turn - 1].DecodeEndMs!.Value), timing.StartedMs);
        }
    }

    [Fact]
    public void RunAsync_RetriedToolUnderPeer_RetriesWithTheDrawnBackoff()
    {
        Scenario scenario = ShippedScenarios.Load("failing-retried");
        CallDraw quotes = ScenarioRealization.Sample(scenario, 1).Of(0, "quotes");

        foreach (ExecutionStrategy strategy in s_peers)
        {
            CallTiming call = Run(scenario, strategy, 1).Conversations[0].Calls.Single(c => c.CallId == "call_t1_0");
            Assert.True(quotes.FailedAttempts >= 1);
            Assert.False(call.Failed);
            Assert.Equal(quotes.Duration.TotalMilliseconds, call.CompletedMs!.Value - call.StartedMs!.Value);
        }
    }

    [Fact]
    public void RunAsync_PeersOneAfterAnotherContinuingOnTheClocksThread_EachRunsOnTheGivenScheduler()
    {
        // A caller that continues with ConfigureAwait(false) starts the next run inside the last timer's callback,
        // outside the scheduler; the run must still queue its work there, or virtual time cannot drive it.
        Scenario scenario = ShippedScenarios.Load("hotpotqa-fanout");
        var clock = new ManualTimeProvider();
        var scheduler = new ManualTaskScheduler();
        var ends = new List<double>();

        VirtualTime.Run(clock, scheduler, async () =>
        {
            foreach (ExecutionStrategy strategy in (ExecutionStrategy[])[ExecutionStrategy.Await, ExecutionStrategy.Ficc, ExecutionStrategy.Agent, ExecutionStrategy.FiccConcurrent])
            {
                ends.Add((await ScenarioRunner.RunAsync(scenario, strategy, 1, clock, scheduler).ConfigureAwait(false)).EndToEndMs);
            }
        });

        Assert.Equal([1932, 2535, 2535, 2082], ends);
    }
}
