using ToolFlow.ClusterBench;
using ToolFlow.Profiling;
using Xunit.Abstractions;

namespace ToolFlow.Orleans.Tests.Perf;

/// <summary>
/// The scenario suite gives the same outcomes (answers, calls, results, statuses) with its tools run on three silos as
/// run locally, on the same seed. The scenarios' clock runs 20 times faster: outcomes do not depend on speed, and the
/// suite stays lean; nothing here is timed.
/// </summary>
[Collection(ClusterBenchCollection.Name)]
public sealed class ScenarioComparisonTests(ClusterBenchFixture fixture, ITestOutputHelper output)
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
    public void FirstDifference_OneLineDiffers_NamesItOnBothSides()
    {
        Assert.Null(ScenarioComparison.FirstDifference(["a", "b"], ["a", "b"]));
        Assert.Equal("line 2: local 'b', remote 'c'", ScenarioComparison.FirstDifference(["a", "b"], ["a", "c"]));
        Assert.Equal("line 3: local '(none)', remote 'x'", ScenarioComparison.FirstDifference(["a", "b"], ["a", "b", "x"]));
    }
}
