using System.Diagnostics;
using System.Globalization;
using Orleans.Configuration;
using Orleans.Runtime;

namespace ToolFlow.Samples.ChatUi;

/// <summary>
/// A cluster on this machine: a redis-server on 127.0.0.1 under a temp folder (membership and grain storage) and one
/// process per node (the chat app with <c>--node</c>), each on free ports. <see cref="StartAsync"/> returns once every
/// node is an active member; disposing it kills every process it started and removes its folders. What
/// <c>--cluster N</c> runs, and what the fault tests run.
/// </summary>
public sealed class LocalCluster : IAsyncDisposable
{
    private readonly LocalClusterOptions _options;
    private readonly List<LocalClusterNode> _nodes = [];
    private IHost? _client;

    private LocalCluster(LocalClusterOptions options, RedisProcess redis, string clusterId)
    {
        _options = options;
        Redis = redis;
        ClusterId = clusterId;
    }

    /// <summary>The Redis server.</summary>
    public RedisProcess Redis { get; }

    /// <summary>The cluster's id (unique per start, so clusters on one Redis server never mix).</summary>
    public string ClusterId { get; }

    /// <summary>The nodes, in the order of <see cref="LocalClusterOptions.Nodes"/>.</summary>
    public IReadOnlyList<LocalClusterNode> Nodes => _nodes;

    /// <summary>An Orleans client of the cluster (through one node's gateway): for management calls, not for tool calls.</summary>
    public IClusterClient Client => _client?.Services.GetRequiredService<IClusterClient>() ?? throw new InvalidOperationException("The cluster is not started.");

    /// <summary>Starts redis-server and the nodes, and waits until all are active members (bounded by <see cref="LocalClusterOptions.StartTimeout"/>).</summary>
    /// <param name="options">What to start.</param>
    /// <param name="cancellationToken">Cancels starting; whatever was started is stopped.</param>
    /// <returns>The running cluster.</returns>
    /// <exception cref="ChatUiArgumentException">redis-server is missing or an HTTP port is taken.</exception>
    /// <exception cref="InvalidOperationException">A node exited, or the cluster did not form in time; the message has the node's output.</exception>
    public static async Task<LocalCluster> StartAsync(LocalClusterOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ChatUiNodeRoles[] roles = options.Nodes.Count == 0 ? [.. Enumerable.Repeat(ChatUiNodeRoles.Front | ChatUiNodeRoles.Worker, 3)] : [.. options.Nodes];
        if (roles.Any(r => r == ChatUiNodeRoles.None))
        {
            throw new ChatUiArgumentException("Every node needs a role: front, worker or both.");
        }

        int[] httpPorts = HttpPorts(roles, options.FirstHttpPort);
        string assembly = options.NodeAssembly ?? typeof(ChatUiApp).Assembly.Location;
        if (!File.Exists(assembly))
        {
            throw new ChatUiArgumentException($"The node program {assembly} does not exist; build it first.");
        }

        RedisProcess redis = await RedisProcess.StartAsync(cancellationToken).ConfigureAwait(false);
        var cluster = new LocalCluster(options, redis, $"toolflow-{redis.Port.ToString(CultureInfo.InvariantCulture)}");
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.StartTimeout);
            for (int n = 0; n < roles.Length; n++)
            {
                cluster.StartNode(n, roles[n], httpPorts[n], assembly);
            }

            try
            {
                foreach (LocalClusterNode node in cluster._nodes)
                {
                    await node.Ready.WaitAsync(timeout.Token).ConfigureAwait(false);
                }

                await cluster.ConnectAsync(timeout.Token).ConfigureAwait(false);
                await cluster.WaitForActiveMembersAsync(roles.Length, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                throw new InvalidOperationException(
                    $"The cluster did not form within {options.StartTimeout.TotalSeconds} s.{Environment.NewLine}{cluster.DescribeOutput()}", e);
            }

            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Kills a node's process with SIGKILL (<c>kill -9</c>: no goodbye to the cluster) and waits until it has gone.</summary>
    /// <param name="node">One of <see cref="Nodes"/>.</param>
    /// <returns>A task that completes when the process has exited.</returns>
    public async Task KillAsync(LocalClusterNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (node.Process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The silos the cluster counts as active (<see cref="IManagementGrain.GetHosts"/>).</summary>
    /// <returns>Their addresses.</returns>
    public async Task<IReadOnlyList<SiloAddress>> GetActiveSilosAsync() =>
        [.. (await Client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).ConfigureAwait(false)).Keys];

    /// <summary>Waits until exactly <paramref name="count"/> silos are active (after a start, or a kill once it is declared).</summary>
    /// <param name="count">How many.</param>
    /// <param name="cancellationToken">Bounds the wait.</param>
    /// <returns>A task that completes when they are.</returns>
    public async Task WaitForActiveMembersAsync(int count, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                // Bounded: a question sent through a gateway that just died would otherwise wait for the 30 s response timeout.
                if ((await GetActiveSilosAsync().WaitAsync(TimeSpan.FromSeconds(2), _options.TimeProvider, cancellationToken).ConfigureAwait(false)).Count == count)
                {
                    return;
                }
            }
            catch (Exception e) when (e is TimeoutException or SiloUnavailableException or OrleansMessageRejectionException)
            {
                // Asked through a node that is gone: the client moves to another gateway; ask again.
            }

            // Membership changes arrive through the table; look again shortly.
            await Task.Delay(TimeSpan.FromMilliseconds(100), _options.TimeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Every node's output, headed by the node, for a failure's report.</summary>
    /// <returns>The text.</returns>
    public string DescribeOutput() => string.Join(
        Environment.NewLine,
        _nodes.Select(n => $"--- {n}{(n.HasExited ? " (exited)" : string.Empty)}{Environment.NewLine}{string.Join(Environment.NewLine, n.Output())}"));

    /// <summary>Stops the client and kills every node and the Redis server; removes the temp folders.</summary>
    /// <returns>A task that completes when all have exited.</returns>
    public async ValueTask DisposeAsync()
    {
        if (_client is not null)
        {
            // The client may be connected to a killed node's gateway: give it a bound, not the 30 s response timeout.
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await _client.StopAsync(stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }

            _client.Dispose();
            _client = null;
        }

        foreach (LocalClusterNode node in _nodes)
        {
            await KillAsync(node).ConfigureAwait(false);
            node.Process?.Dispose();
        }

        await Redis.DisposeAsync().ConfigureAwait(false);
    }

    private static int[] HttpPorts(ChatUiNodeRoles[] roles, int first)
    {
        var ports = new int[roles.Length];
        int next = first;
        for (int n = 0; n < roles.Length; n++)
        {
            if (!roles[n].HasFlag(ChatUiNodeRoles.Front) || first == 0)
            {
                continue;
            }

            if (next > 65535 || !RedisProcess.IsFree(next))
            {
                throw new ChatUiArgumentException($"The port {next} on 127.0.0.1 is taken (node {n} would serve the chat there); choose another first port with --port N.");
            }

            ports[n] = next++;
        }

        return ports;
    }

    private void StartNode(int index, ChatUiNodeRoles roles, int httpPort, string assembly)
    {
        var node = new LocalClusterNode(index, roles, RedisProcess.FreePort(), RedisProcess.FreePort(), _options.MaxOutputLines);
        _nodes.Add(node);
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(assembly)!,
        };
        string roleList = string.Join(',', new[] { (ChatUiNodeRoles.Front, "front"), (ChatUiNodeRoles.Worker, "worker") }.Where(r => roles.HasFlag(r.Item1)).Select(r => r.Item2));
        foreach (string argument in (string[])["exec", assembly, "--node", "--attached", "--redis", Redis.Endpoint, "--cluster-id", ClusterId,
            "--silo-port", Text(node.SiloPort), "--gateway-port", Text(node.GatewayPort), "--roles", roleList, "--port", Text(httpPort), .. _options.NodeArguments])
        {
            start.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => node.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => node.OnLine(e.Data);
        process.Exited += (_, _) => node.OnExited(process.ExitCode);
        process.Start();
        node.Process = process;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    private async Task ConnectAsync(CancellationToken cancellationToken)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(c =>
        {
            c.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (ClusterId, ChatUiNodeArguments.ServiceId));
            c.UseRedisClustering(o => o.ConfigurationOptions = ChatUiNode.ParseRedis(Redis.Endpoint));

            // Follows membership within a second (default: a minute), so it leaves a dead or hung node's gateway soon.
            c.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(1));
        });
        _client = builder.Build();
        await _client.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    // The dotnet host running this process when there is one (so a PATH without dotnet still works), else the PATH's.
    private static string DotnetHost() =>
        Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
