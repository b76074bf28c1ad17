using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.TestingHost;
using ToolFlow.Orleans;

namespace ToolFlow.ClusterBench;

/// <summary>
/// N silos in this process, each hosting the same tools and its own <see cref="NoOpFunction"/>, and the grain factory of
/// the first silo: calls issued through it go silo to silo, as a conversation grain's do (not through a client's
/// gateway). The silos share this process, so a worker reaches the bench's tool bodies as objects.
/// </summary>
public sealed class ClusterRig : IAsyncDisposable
{
    /// <summary>The most silos a rig starts: each costs a few seconds and threads on a small machine.</summary>
    public const int MaxSilos = 8;

    // How long the silos of a TCP rig may take to see each other, and how often the first one looks.
    private static readonly TimeSpan s_joinDeadline = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan s_joinPoll = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan s_stopDeadline = TimeSpan.FromSeconds(30);

    private readonly InProcessTestCluster? _cluster;
    private readonly IReadOnlyList<IHost> _hosts;
    private readonly IReadOnlyList<NoOpFunction> _noOps;

    private ClusterRig(InProcessTestCluster? cluster, IReadOnlyList<IHost> hosts, IGrainFactory grains, int silos, ClusterTransport transport, IReadOnlyList<NoOpFunction> noOps)
    {
        _cluster = cluster;
        _hosts = hosts;
        _noOps = noOps;
        Grains = grains;
        Silos = silos;
        Transport = transport;
    }

    /// <summary>The silos.</summary>
    public int Silos { get; }

    /// <summary>How the silos talk.</summary>
    public ClusterTransport Transport { get; }

    /// <summary>The first silo's grain factory.</summary>
    public IGrainFactory Grains { get; }

    /// <summary>The no-op calls each silo has answered, in the order the silos started.</summary>
    public IReadOnlyList<long> NoOpCallsPerSilo => [.. _noOps.Select(n => n.Calls)];

    /// <summary>Starts the silos and waits until each has joined.</summary>
    /// <param name="silos">How many silos, from 1 to <see cref="MaxSilos"/>.</param>
    /// <param name="tools">The tools every silo hosts, besides the no-op tool.</param>
    /// <param name="transport">How the silos talk.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running rig.</returns>
    public static async Task<ClusterRig> StartAsync(int silos, IReadOnlyList<AIFunction> tools, ClusterTransport transport, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(silos, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(silos, MaxSilos);
        ArgumentNullException.ThrowIfNull(tools);
        var noOps = new ConcurrentQueue<NoOpFunction>();
        void AddWorker(ISiloBuilder silo)
        {
            var noOp = new NoOpFunction();
            noOps.Enqueue(noOp);
            silo.AddToolFlowWorker([.. tools, noOp]);
        }

        return transport == ClusterTransport.Memory
            ? await StartInMemoryAsync(silos, AddWorker, noOps, cancellationToken).ConfigureAwait(false)
            : await StartTcpAsync(silos, AddWorker, noOps, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync().ConfigureAwait(false);
        }

        // The primary last: the others leave its membership first. A stop that hangs is cut short.
        foreach (IHost host in _hosts.Reverse())
        {
            using var stop = new CancellationTokenSource(s_stopDeadline);
            await host.StopAsync(stop.Token).ConfigureAwait(false);
            host.Dispose();
        }
    }

    private static async Task<ClusterRig> StartInMemoryAsync(int silos, Action<ISiloBuilder> addWorker, ConcurrentQueue<NoOpFunction> noOps, CancellationToken cancellationToken)
    {
        var builder = new InProcessTestClusterBuilder((short)silos);

        // TestingHost logs every silo to a file by default: a cost on the measured path, and files left behind.
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSilo((_, silo) => addWorker(silo));
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

        IGrainFactory grains = cluster.Silos[0].ServiceProvider.GetRequiredService<IGrainFactory>();
        return new ClusterRig(cluster, [], grains, silos, ClusterTransport.Memory, [.. noOps]);
    }

    private static async Task<ClusterRig> StartTcpAsync(int silos, Action<ISiloBuilder> addWorker, ConcurrentQueue<NoOpFunction> noOps, CancellationToken cancellationToken)
    {
        string clusterId = $"bench-{Guid.NewGuid():N}";
        int[] ports = FreePorts(silos * 2);
        var primary = new IPEndPoint(IPAddress.Loopback, ports[0]);
        var hosts = new List<IHost>();
        try
        {
            for (int i = 0; i < silos; i++)
            {
                // No default logging: a console logger per silo would print (and cost) on the measured path.
                HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(null);
                int siloPort = ports[2 * i], gatewayPort = ports[(2 * i) + 1];
                builder.UseOrleans(silo =>
                {
                    silo.UseLocalhostClustering(siloPort, gatewayPort, primary, "toolflow-bench", clusterId);
                    addWorker(silo);
                });
                IHost host = builder.Build();
                hosts.Add(host);
                await host.StartAsync(cancellationToken).ConfigureAwait(false);
            }

            IGrainFactory grains = hosts[0].Services.GetRequiredService<IGrainFactory>();
            await WaitForSilosAsync(grains, silos, cancellationToken).ConfigureAwait(false);
            return new ClusterRig(null, hosts, grains, silos, ClusterTransport.Tcp, [.. noOps]);
        }
        catch
        {
            foreach (IHost host in Enumerable.Reverse(hosts))
            {
                host.Dispose();
            }

            throw;
        }
    }

    // A silo's start returns once it has joined; the first silo then learns of it from the membership table.
    private static async Task WaitForSilosAsync(IGrainFactory grains, int silos, CancellationToken cancellationToken)
    {
        IManagementGrain management = grains.GetGrain<IManagementGrain>(0);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(s_joinDeadline);
        while ((await management.GetHosts(onlyActive: true).WaitAsync(deadline.Token).ConfigureAwait(false)).Count < silos)
        {
            await Task.Delay(s_joinPoll, deadline.Token).ConfigureAwait(false);
        }
    }

    // Ports the kernel picks as free, all held until every one is picked so none repeats.
    private static int[] FreePorts(int count)
    {
        var listeners = new List<TcpListener>();
        try
        {
            for (int i = 0; i < count; i++)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                listeners.Add(listener);
            }

            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            foreach (TcpListener listener in listeners)
            {
                listener.Stop();
            }
        }
    }
}
