using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using ToolFlow.Orleans;

namespace ToolFlow.ClusterBench;

/// <summary>
/// An in-process cluster of N silos, each hosting the same tools and its own <see cref="NoOpFunction"/>, and the grain
/// factory of its first silo: calls issued through it go silo to silo, as a conversation grain's do (not through a
/// client's gateway).
/// </summary>
public sealed class ClusterRig : IAsyncDisposable
{
    /// <summary>The most silos a rig starts: each costs a few seconds and threads on a small machine.</summary>
    public const int MaxSilos = 8;

    private readonly InProcessTestCluster _cluster;
    private readonly IReadOnlyList<NoOpFunction> _noOps;

    private ClusterRig(InProcessTestCluster cluster, int silos, IReadOnlyList<NoOpFunction> noOps)
    {
        _cluster = cluster;
        _noOps = noOps;
        Silos = silos;
        Grains = cluster.Silos[0].ServiceProvider.GetRequiredService<IGrainFactory>();
    }

    /// <summary>The silos.</summary>
    public int Silos { get; }

    /// <summary>The first silo's grain factory.</summary>
    public IGrainFactory Grains { get; }

    /// <summary>The no-op calls each silo has answered, in the order the silos started.</summary>
    public IReadOnlyList<long> NoOpCallsPerSilo => [.. _noOps.Select(n => n.Calls)];

    /// <summary>Starts the cluster and waits until every silo has joined.</summary>
    /// <param name="silos">How many silos, from 1 to <see cref="MaxSilos"/>.</param>
    /// <param name="tools">The tools every silo hosts, besides the no-op tool.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running rig.</returns>
    public static async Task<ClusterRig> StartAsync(int silos, IReadOnlyList<AIFunction> tools, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(silos, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(silos, MaxSilos);
        ArgumentNullException.ThrowIfNull(tools);
        var noOps = new System.Collections.Concurrent.ConcurrentQueue<NoOpFunction>();
        var builder = new InProcessTestClusterBuilder((short)silos);
        builder.ConfigureSilo((_, silo) =>
        {
            var noOp = new NoOpFunction();
            noOps.Enqueue(noOp);
            silo.AddToolFlowWorker([.. tools, noOp]);
        });
        InProcessTestCluster cluster = builder.Build();
        try
        {
            await cluster.DeployAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return new ClusterRig(cluster, silos, [.. noOps]);
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => _cluster.DisposeAsync();
}
