using ToolFlow.ClusterBench;

namespace ToolFlow.Orleans.Tests.Perf;

/// <summary>The bench's default rig: silos of this process talking over TCP on 127.0.0.1.</summary>
public sealed class ClusterRigTests
{
    [Fact]
    public async Task StartAsync_ThreeSilosOverTcp_NoOpCallsRunOnEverySilo()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await using ClusterRig rig = await ClusterRig.StartAsync(3, [], ClusterTransport.Tcp, deadline.Token);
        var remote = new RemoteToolFunction(new NoOpFunction(), rig.Grains, $"tcp-{Guid.NewGuid():N}");

        HopResult result = await HopBench.MeasureAsync("3 silos", remote, 4, 60, deadline.Token);

        Assert.Equal((3, ClusterTransport.Tcp), (rig.Silos, rig.Transport));
        Assert.Equal((60, 0), (result.Calls, result.Failed));
        Assert.Equal(3, rig.NoOpCallsPerSilo.Count);
        Assert.Equal(60, rig.NoOpCallsPerSilo.Sum());

        // Keys are placed by hash over the silos hosting the tool: 60 calls all missing one silo has odds of 3 * (2/3)^60.
        Assert.All(rig.NoOpCallsPerSilo, n => Assert.InRange(n, 1, 60));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(9)]
    public async Task StartAsync_SilosOutOfRange_Refused(int silos)
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => ClusterRig.StartAsync(silos, [], ClusterTransport.Memory, CancellationToken.None));
    }
}
