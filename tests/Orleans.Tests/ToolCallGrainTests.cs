using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace ToolFlow.Orleans.Tests;

/// <summary>Tool calls on a three-silo in-process cluster: where they run and how cancellation reaches them.</summary>
public sealed class ToolCallGrainTests : IAsyncLifetime
{
    // Set by the remote body when its token fires; the test waits on it (bounded), no sleeps.
    private static readonly TaskCompletionSource s_cancelledOnSilo = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private static readonly TaskCompletionSource s_started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private InProcessTestCluster? _cluster;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(3);
        builder.ConfigureSilo((_, silo) => silo.Services.AddSingleton(new ToolWorkerRegistry(
        [
            AIFunctionFactory.Create((string q) => $"echo {q}", "echo"),
            AIFunctionFactory.Create(WaitForCancellationAsync, "wait"),
        ])));
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    [Fact]
    public async Task InvokeAsync_ManyCalls_RunOnMoreThanOneSiloWithTheirResults()
    {
        var silos = new HashSet<string>(StringComparer.Ordinal);
        for (int n = 0; n < 30; n++)
        {
            IToolCallGrain grain = _cluster!.Client.GetGrain<IToolCallGrain>($"conv-1/call_{n}/1");
            RemoteToolResult result = await grain.InvokeAsync(new RemoteToolRequest("echo", $$"""{"q": "n{{n}}"}"""), CancellationToken.None);
            Assert.Equal($"echo n{n}", JsonSerializer.Deserialize<string>(result.ResultJson));
            silos.Add(result.Silo);
        }

        // Random placement over three silos: 30 calls all on one silo has probability 3 * (1/3)^30.
        Assert.True(silos.Count > 1, $"all 30 calls ran on {string.Join(", ", silos)}");
    }

    [Fact]
    public async Task InvokeAsync_CancelledByTheCaller_TheBodyOnTheSiloSeesItsToken()
    {
        using var cancel = new CancellationTokenSource();
        IToolCallGrain grain = _cluster!.Client.GetGrain<IToolCallGrain>("conv-2/call_1/1");
        Task<RemoteToolResult> call = grain.InvokeAsync(new RemoteToolRequest("wait", "{}"), cancel.Token);
        await s_started.Task.WaitAsync(TimeSpan.FromSeconds(30));

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        await s_cancelledOnSilo.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    private static async Task<string> WaitForCancellationAsync(CancellationToken cancellationToken)
    {
        s_started.TrySetResult();
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return "not cancelled";
        }
        catch (OperationCanceledException)
        {
            s_cancelledOnSilo.TrySetResult();
            throw;
        }
    }
}
