using Microsoft.Extensions.AI;
using ToolFlow.ClusterBench;
using ToolFlow.Profiling;
using Xunit.Abstractions;

namespace ToolFlow.Orleans.Tests.Perf;

/// <summary>
/// The scenario suite gives the same outcomes (answers, calls, results, statuses) with its tools run on three silos as
/// run locally, on the same seed. The scenarios' clock runs 20 times faster: outcomes do not depend on speed, and the
/// suite stays lean; nothing here is timed.
/// </summary>
public sealed class ScenarioComparisonTests(ClusterBenchFixture fixture, ITestOutputHelper output) : IClassFixture<ClusterBenchFixture>
{
    public static TheoryData<string> Scenarios => [.. ClusterBenchFixture.ScenarioNames];

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task RunAsync_ShippedScenario_SameOutcomesOnThreeSilos(string name)
    {
        Scenario scenario = ScenarioLoader.Load(Path.Combine(ClusterBenchFixture.ScenariosDirectory, name + ".json"));
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        ScenarioComparisonRow row = await ScenarioComparison.RunAsync(
            scenario, ExecutionStrategy.Await, 3, 1, new AcceleratedTimeProvider(TimeProvider.System, 20), [fixture.Rig], fixture.Tools, deadline.Token);

        output.WriteLine($"{row.Scenario}: {row.Calls} calls, local {row.Sides[0].EndToEndMs[0]:F0} ms, 3 silos {row.Sides[1].EndToEndMs[0]:F0} ms");
        Assert.Equal(["local", "3 silos"], row.Sides.Select(s => s.Executor));
        Assert.Null(row.Sides[1].Difference);
        Assert.True(row.Sides[1].Same);
        Assert.InRange(row.Calls, 3, int.MaxValue);
    }

    [Fact]
    public async Task RunRoutedAsync_FailingRetried_OutcomeHoldsEveryCallAndResult()
    {
        Scenario scenario = ScenarioLoader.Load(Path.Combine(ClusterBenchFixture.ScenariosDirectory, "failing-retried.json"));
        string scope = $"outcome-{Guid.NewGuid():N}";

        ScenarioRun run = await ScenarioRunner.RunRoutedAsync(
            scenario, ExecutionStrategy.Await, 3, new AcceleratedTimeProvider(TimeProvider.System, 20), fixture.Tools.Route(fixture.Rig.Grains, scope));
        fixture.Tools.Forget(scope);

        IReadOnlyList<string> lines = ScenarioOutcome.Of(run);
        foreach (string line in lines)
        {
            output.WriteLine(line);
        }

        int calls = run.Conversations.Sum(c => c.Calls.Count);
        Assert.Equal(calls, lines.Count(l => l.Contains(" tool: result ", StringComparison.Ordinal)));
        Assert.Equal(calls, lines.Count(l => l.Contains(" assistant: call ", StringComparison.Ordinal)));
        Assert.Contains(lines, l => l.EndsWith(" completed", StringComparison.Ordinal));
        Assert.StartsWith($"{run.Conversations[0].Name}: ", lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task MeasureAsync_NoOpOnThreeSilos_EveryCallCompletesSpreadOverTheSilos()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var remote = new RemoteToolFunction(new NoOpFunction(), fixture.Rig.Grains, $"hop-{Guid.NewGuid():N}");
        IReadOnlyList<long> before = fixture.Rig.NoOpCallsPerSilo;

        HopResult result = await HopBench.MeasureAsync("3 silos", remote, 4, 50, deadline.Token);

        long[] ran = [.. fixture.Rig.NoOpCallsPerSilo.Zip(before, (a, b) => a - b)];
        Assert.Equal(("3 silos", 4, 50, 0), (result.Executor, result.Concurrency, result.Calls, result.Failed));
        Assert.True(result.P50Ms <= result.P99Ms);
        Assert.Equal(50, ran.Sum());
        Assert.Equal(3, ran.Length);

        // Keys are placed by hash over the silos hosting the tool: 50 calls all missing one silo has odds of 3 * (2/3)^50.
        Assert.All(ran, n => Assert.InRange(n, 1, 50));
    }

    [Fact]
    public async Task WorkerTool_CallNamingNoBody_FailsNamingTheRoute()
    {
        AIFunction worker = fixture.Tools.WorkerTools(["search"])[0];

        InvalidOperationException error = await Assert.ThrowsAsync<InvalidOperationException>(
            async () => await worker.InvokeAsync(new AIFunctionArguments(new Dictionary<string, object?> { [RemoteScenarioTools.RouteArgument] = "gone/0/search" })));

        Assert.Equal("The call to 'search' names no body this process routed (_route: 'gone/0/search').", error.Message);
    }

    [Fact]
    public void FirstDifference_OneLineDiffers_NamesItOnBothSides()
    {
        Assert.Null(ScenarioComparison.FirstDifference(["a", "b"], ["a", "b"]));
        Assert.Equal("line 2: local 'b', remote 'c'", ScenarioComparison.FirstDifference(["a", "b"], ["a", "c"]));
        Assert.Equal("line 3: local '(none)', remote 'x'", ScenarioComparison.FirstDifference(["a", "b"], ["a", "b", "x"]));
    }
}
