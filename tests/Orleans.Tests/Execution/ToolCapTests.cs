namespace ToolFlow.Orleans.Tests;

/// <summary>
/// The workers' caps on the shared cluster (<see cref="WorkerTools.Caps"/>): <c>node_capped</c> one body per silo,
/// <c>cluster_capped</c> two bodies across the cluster. Twenty calls start at once and are held until the test
/// has seen the caps filled; the bodies count themselves.
/// </summary>
[Collection(WorkerClusterCollection.Name)]
public sealed class ToolCapTests(WorkerCluster cluster)
{
    private const int Calls = 20;

    [Fact]
    public async Task NodeCap_TwentyCallsAtOnce_OneBodyPerWorkerAtATime()
    {
        await RunHeldAsync("node_capped", runningBeforeRelease: 2);

        Assert.Equal(1, WorkerTools.Running["node_capped@Silo_1"].Most);
        Assert.Equal(1, WorkerTools.Running["node_capped@Silo_2"].Most);
    }

    [Fact]
    public async Task ClusterCap_TwentyCallsAtOnce_TwoBodiesAcrossTheClusterAtATime()
    {
        await RunHeldAsync("cluster_capped", runningBeforeRelease: 2);

        Assert.Equal(2, WorkerTools.Running["cluster_capped"].Most);
        ToolCapSnapshot cap = await cluster.Front.GetGrain<IToolCapGrain>("cluster_capped").SnapshotAsync();
        Assert.Empty(cap.Leases);
        Assert.Empty(cap.Waiting);
    }

    // Starts the calls, waits until the cap is full (bodies hold until released), releases every body, then waits for all.
    private async Task RunHeldAsync(string tool, int runningBeforeRelease)
    {
        string[] tags = [.. Enumerable.Range(0, Calls).Select(n => $"{tool}-{n}")];
        Task<RemoteToolResult>[] calls =
        [
            .. tags.Select((tag, n) => cluster.Front.GetGrain<IToolCallGrain>(ToolCallKey.Format(tool, "caps", $"call_{n}", 1, 0))
                .InvokeAsync(new RemoteToolRequest(tool, $$"""{"tag": "{{tag}}"}"""), CancellationToken.None)),
        ];

        Task[] started = [.. tags.Select(tag => (Task)WorkerTools.Signal(WorkerTools.Started, tag).Task)];
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (started.Count(t => t.IsCompleted) < runningBeforeRelease)
        {
            await Task.WhenAny(started.Where(t => !t.IsCompleted)).WaitAsync(bound.Token);
        }

        Assert.Equal(runningBeforeRelease, WorkerTools.Running[tool].Now);
        foreach (string tag in tags)
        {
            WorkerTools.Signal(WorkerTools.Gates, tag).TrySetResult();
        }

        RemoteToolResult[] results = await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(tags.Select(tag => $"\"{tool} {tag}\""), results.Select(r => r.ResultJson));
    }
}
