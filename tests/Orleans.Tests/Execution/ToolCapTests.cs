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

    [Fact]
    public async Task ClusterCap_WaitingCallCancelled_NeverRunsAndLeavesNoLeaseBehind()
    {
        IToolCapGrain cap = cluster.Front.GetGrain<IToolCapGrain>("cluster_capped");
        string[] tags = ["cap-cancel-0", "cap-cancel-1", "cap-cancel-2"];
        CancellationTokenSource[] cancels = [new(), new(), new()];
        Task<RemoteToolResult>[] calls =
        [
            .. tags.Select((tag, n) => cluster.Front.GetGrain<IToolCallGrain>(ToolCallKey.Format("cluster_capped", "cap-cancel", $"call_{n}", 1, 0))
                .InvokeAsync(new RemoteToolRequest("cluster_capped", $$"""{"tag": "{{tag}}"}"""), cancels[n].Token)),
        ];
        Task[] started = [.. tags.Select(tag => (Task)WorkerTools.Signal(WorkerTools.Started, tag).Task)];
        await WorkerTools.WhenCountAsync(started, 2);
        await WorkerTools.CapWhenAsync(cap, s => s.Waiting.Count == 1);
        int waiting = Array.FindIndex(started, t => !t.IsCompleted);

        await cancels[waiting].CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => calls[waiting].WaitAsync(TimeSpan.FromSeconds(30)));
        // The caller gives up at once; the cancellation then travels to the worker and on to the cap grain.
        await WorkerTools.CapWhenAsync(cap, s => s.Waiting.Count == 0);
        foreach (string tag in tags)
        {
            WorkerTools.Signal(WorkerTools.Gates, tag).TrySetResult();
        }

        await Task.WhenAll(calls.Where((_, n) => n != waiting)).WaitAsync(TimeSpan.FromSeconds(30));
        ToolCapSnapshot after = await WorkerTools.CapWhenAsync(cap, s => s.Leases.Count == 0);
        Assert.Empty(after.Waiting);
        Assert.False(started[waiting].IsCompleted);
        foreach (CancellationTokenSource c in cancels)
        {
            c.Dispose();
        }
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

        await WorkerTools.WhenCountAsync([.. tags.Select(tag => (Task)WorkerTools.Signal(WorkerTools.Started, tag).Task)], runningBeforeRelease);

        Assert.Equal(runningBeforeRelease, WorkerTools.Running[tool].Now);
        foreach (string tag in tags)
        {
            WorkerTools.Signal(WorkerTools.Gates, tag).TrySetResult();
        }

        RemoteToolResult[] results = await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(tags.Select(tag => $"\"{tool} {tag}\""), results.Select(r => r.ResultJson));
    }
}
