using System.Text.Json;

namespace ToolFlow.Orleans.Tests;

/// <summary>Tool calls sent straight to their grains on the shared cluster: where they run, deadlines, keys, cancellation.</summary>
[Collection(WorkerClusterCollection.Name)]
public sealed class ToolCallGrainTests(WorkerCluster cluster)
{
    [Fact]
    public async Task InvokeAsync_ManyCallsFromTheFront_SpreadOverTheWorkersNeverOnTheFront()
    {
        var silos = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int n = 0; n < 40; n++)
        {
            IToolCallGrain grain = cluster.Front.GetGrain<IToolCallGrain>(ToolCallKey.Format("echo", "spread", $"call_{n}", 1, 0));
            RemoteToolResult result = await grain.InvokeAsync(new RemoteToolRequest("echo", $$"""{"q": "n{{n}}"}"""), CancellationToken.None);
            Assert.Equal($"echo n{n}", JsonSerializer.Deserialize<string>(result.ResultJson));
            silos[result.Silo] = silos.GetValueOrDefault(result.Silo) + 1;
        }

        // The key hash spreads evenly: all 40 calls on one of two workers would be a broken hash, not bad luck.
        Assert.Equal(new[] { cluster.Address(1), cluster.Address(2) }.Order(StringComparer.Ordinal), silos.Keys.Order(StringComparer.Ordinal));
        Assert.DoesNotContain(cluster.Address(0), silos.Keys);
    }

    [Fact]
    public async Task InvokeAsync_Reruns_EachPlacedAwayFromTheSilosOfTheRunsBefore()
    {
        for (int n = 0; n < 10; n++)
        {
            var silos = new List<string>();
            for (int rerun = 0; rerun < 2; rerun++)
            {
                IToolCallGrain grain = cluster.Front.GetGrain<IToolCallGrain>(ToolCallKey.Format("echo", "rerun", $"call_{n}", 1, rerun));
                silos.Add((await grain.InvokeAsync(new RemoteToolRequest("echo", """{"q": "r"}"""), CancellationToken.None)).Silo);
            }

            // Two workers: the re-run goes to the one the first run did not.
            Assert.NotEqual(silos[0], silos[1]);
        }
    }

    [Fact]
    public async Task InvokeAsync_FromTheClusterClient_PlacedOnAWorker()
    {
        IToolCallGrain grain = cluster.Cluster.Client.GetGrain<IToolCallGrain>(ToolCallKey.Format("echo", "client", "call_1", 1, 0));

        RemoteToolResult result = await grain.InvokeAsync(new RemoteToolRequest("echo", """{"q": "c"}"""), CancellationToken.None);

        Assert.Contains(result.Silo, new[] { cluster.Address(1), cluster.Address(2) });
    }

    [Fact]
    public async Task InvokeAsync_ToolNoSiloHosts_FailsNamingTheTool()
    {
        IToolCallGrain grain = cluster.Front.GetGrain<IToolCallGrain>(ToolCallKey.Format("nowhere", "unknown", "call_1", 1, 0));

        Exception error = await Assert.ThrowsAnyAsync<Exception>(() => grain.InvokeAsync(new RemoteToolRequest("nowhere", "{}"), CancellationToken.None));

        Assert.Contains("No active silo hosts the tool 'nowhere'", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_KeyNotOfAToolCall_FailsNamingTheKeyShape()
    {
        IToolCallGrain grain = cluster.Front.GetGrain<IToolCallGrain>("not-a-call-key");

        Exception error = await Assert.ThrowsAnyAsync<Exception>(() => grain.InvokeAsync(new RemoteToolRequest("echo", "{}"), CancellationToken.None));

        Assert.Contains("is not a tool call key", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_CancelledByTheCaller_TheBodyOnTheWorkerSeesItsToken()
    {
        using var cancel = new CancellationTokenSource();
        IToolCallGrain grain = cluster.Front.GetGrain<IToolCallGrain>(ToolCallKey.Format("held", "cancel", "call_1", 1, 0));
        Task<RemoteToolResult> call = grain.InvokeAsync(new RemoteToolRequest("held", """{"tag": "grain-cancel"}"""), cancel.Token);
        await WorkerTools.Signal(WorkerTools.Started, "grain-cancel").Task.WaitAsync(TimeSpan.FromSeconds(30));

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        await WorkerTools.Signal(WorkerTools.Cancelled, "grain-cancel").Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task InvokeAsync_RequestTimeoutPassesWithNoCallerToken_TheWorkerCancelsTheBody()
    {
        IToolCallGrain grain = cluster.Front.GetGrain<IToolCallGrain>(ToolCallKey.Format("held", "deadline", "call_1", 1, 0));

        // No token from the caller (as when the caller's silo died): the request's own deadline, on the worker's
        // clock, stops the body.
        TimeSpan timeout = TimeSpan.FromMinutes(1);
        Task<RemoteToolResult> call = grain.InvokeAsync(
            new RemoteToolRequest("held", """{"tag": "grain-deadline"}""", Timeout: timeout), CancellationToken.None);
        await WorkerTools.Signal(WorkerTools.Started, "grain-deadline").Task.WaitAsync(TimeSpan.FromSeconds(30));
        WorkerTools.Clock.Advance(timeout);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(TimeSpan.FromSeconds(30)));
        await WorkerTools.Signal(WorkerTools.Cancelled, "grain-deadline").Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task InvokeAsync_BodyOutlastsTheSilosResponseTimeout_Completes()
    {
        // A real duration: the limit under test is Orleans' response timeout, 3 s on this cluster (30 s by default).
        int ms = (int)WorkerCluster.ResponseTimeout.TotalMilliseconds + 1000;
        IToolCallGrain grain = cluster.Front.GetGrain<IToolCallGrain>(ToolCallKey.Format("sleep", "long", "call_1", 1, 0));

        RemoteToolResult result = await grain.InvokeAsync(new RemoteToolRequest("sleep", $"{{\"ms\": {ms}}}"), CancellationToken.None);

        Assert.Equal($"\"slept {ms}\"", result.ResultJson);
    }

    [Fact]
    public async Task InvokeAsync_IdempotencyKeyInTheRequest_TheBodyReadsIt()
    {
        IToolCallGrain grain = cluster.Front.GetGrain<IToolCallGrain>(ToolCallKey.Format("key", "keys", "call_1", 1, 0));

        RemoteToolResult withKey = await grain.InvokeAsync(new RemoteToolRequest("key", "{}", "run-7/call_1"), CancellationToken.None);
        RemoteToolResult without = await cluster.Front.GetGrain<IToolCallGrain>(ToolCallKey.Format("key", "keys", "call_2", 1, 0))
            .InvokeAsync(new RemoteToolRequest("key", "{}"), CancellationToken.None);

        Assert.Equal("\"run-7/call_1\"", withKey.ResultJson);
        Assert.Equal("\"(none)\"", without.ResultJson);
    }
}
