using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.TestingHost;

namespace ToolFlow.Orleans.Tests;

/// <summary>
/// A three-silo in-process cluster shared by a test collection: silo 0 is a front node that hosts no tools (it sends
/// the calls, as a conversation's silo does), silos 1 and 2 are workers hosting <see cref="WorkerTools.All"/> with <see cref="WorkerTools.Caps"/>.
/// </summary>
public sealed class WorkerCluster : IAsyncLifetime
{
    private InProcessTestCluster? _cluster;

    /// <summary>The cluster.</summary>
    public InProcessTestCluster Cluster => _cluster ?? throw new InvalidOperationException("Not deployed.");

    /// <summary>The front silo's grain factory: calls from it go silo to silo, as from a grain.</summary>
    public IGrainFactory Front => Services(0).GetRequiredService<IGrainFactory>();

    /// <summary>A silo's services.</summary>
    public IServiceProvider Services(int silo) => Cluster.GetSiloServiceProvider(Cluster.Silos[silo].SiloAddress);

    /// <summary>The silo's address as <see cref="RemoteToolResult.Silo"/> writes it.</summary>
    public string Address(int silo) => Cluster.Silos[silo].SiloAddress.ToString();

    /// <summary>The silos' response timeout here: short, so a test can show a tool call outlasting it.</summary>
    public static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(3);

    public async Task InitializeAsync() => _cluster = await DeployAsync(fastFailureDetection: false, WorkerTools.Caps, ResponseTimeout);

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    /// <summary>
    /// Deploys three silos (silo 0 with no tools) and waits, bounded, until silo 0 sees both workers' tools.
    /// </summary>
    public static async Task<InProcessTestCluster> DeployAsync(bool fastFailureDetection, Action<ToolWorkerOptions>? configure, TimeSpan? responseTimeout = null)
    {
        var builder = new InProcessTestClusterBuilder(3);
        builder.ConfigureSilo((options, silo) =>
        {
            if (options.SiloName == "Silo_0")
            {
                silo.AddToolFlowWorker([]);
            }
            else
            {
                silo.AddToolFlowWorker(WorkerTools.All(options.SiloName), configure);
            }

            if (responseTimeout is { } timeout)
            {
                silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = timeout);
            }

            if (fastFailureDetection)
            {
                // As the nodes: a killed silo is declared dead in about a second.
                silo.Configure<ClusterMembershipOptions>(ToolFlowMembershipSiloBuilderExtensions.Apply);
            }
        });
        InProcessTestCluster cluster = builder.Build();
        try
        {
            await cluster.DeployAsync();
            await WaitForWorkersAsync(cluster, 2);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Waits (bounded) until silo 0's cluster manifest shows <paramref name="count"/> silos hosting the echo tool.</summary>
    public static async Task WaitForWorkersAsync(InProcessTestCluster cluster, int count)
    {
        IClusterManifestProvider manifests = cluster.GetSiloServiceProvider(cluster.Silos[0].SiloAddress).GetRequiredService<IClusterManifestProvider>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        if (Hosts(manifests.Current) == count)
        {
            return;
        }

        await foreach (global::Orleans.Metadata.ClusterManifest manifest in manifests.Updates.WithCancellation(timeout.Token))
        {
            if (Hosts(manifest) == count)
            {
                return;
            }
        }

        static int Hosts(global::Orleans.Metadata.ClusterManifest manifest) =>
            ToolWorkerManifest.SilosByTool(manifest).TryGetValue("echo", out SiloAddress[]? silos) ? silos.Length : 0;
    }
}
