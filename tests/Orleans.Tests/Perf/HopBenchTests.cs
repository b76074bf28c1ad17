using ToolFlow.ClusterBench;

namespace ToolFlow.Orleans.Tests.Perf;

/// <summary>The hop measurement through the shared three-silo cluster: counts only, nothing timed.</summary>
[Collection(ClusterBenchCollection.Name)]
public sealed class HopBenchTests(ClusterBenchFixture fixture)
{
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
    public async Task MeasureAsync_BareGrainCall_EveryCallCompletes()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        HopResult result = await HopBench.MeasureAsync("bare", new BareGrainFunction(fixture.Rig.Grains), 8, 300, deadline.Token);

        Assert.Equal((300, 0), (result.Calls, result.Failed));
        Assert.Empty(result.CallsPerSilo);
    }
}
