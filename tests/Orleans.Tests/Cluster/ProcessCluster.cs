using System.Diagnostics;
using StackExchange.Redis;
using ToolFlow.Samples.ChatUi;
using Xunit.Abstractions;

namespace ToolFlow.Orleans.Tests.Cluster;

/// <summary>
/// A real cluster for one test: redis-server and a node process per role (the chat app's node with the fault
/// scenario, tests/Orleans.ClusterNode), on 127.0.0.1. <see cref="RunAsync"/> bounds the test and writes every node's
/// output when it fails; disposing kills every process and removes the temp folders, also after a failure.
/// </summary>
internal sealed class ProcessCluster : IAsyncDisposable
{
    /// <summary>A fault test ends within this, or fails (a hang becomes a failure).</summary>
    public static readonly TimeSpan TestBound = TimeSpan.FromSeconds(90);

    private readonly ITestOutputHelper _output;

    private ProcessCluster(LocalCluster cluster, ConnectionMultiplexer redis, ITestOutputHelper output)
    {
        Cluster = cluster;
        Redis = redis;
        _output = output;
    }

    public LocalCluster Cluster { get; }

    /// <summary>A connection to the cluster's Redis, where the fault tools count their runs.</summary>
    public ConnectionMultiplexer Redis { get; }

    public IReadOnlyList<LocalClusterNode> Nodes => Cluster.Nodes;

    public static async Task<ProcessCluster> StartAsync(ITestOutputHelper output, params ChatUiNodeRoles[] roles)
    {
        var options = new LocalClusterOptions { NodeAssembly = NodeHost(), StartTimeout = TimeSpan.FromSeconds(90) };
        foreach (ChatUiNodeRoles role in roles)
        {
            options.Nodes.Add(role);
        }

        LocalCluster cluster = await LocalCluster.StartAsync(options, CancellationToken.None);
        try
        {
            ConnectionMultiplexer redis = await ConnectionMultiplexer.ConnectAsync(cluster.Redis.Endpoint);
            return new ProcessCluster(cluster, redis, output);
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs the test's body within <see cref="TestBound"/>; on failure writes the nodes' output to the test's log.</summary>
    public async Task RunAsync(Func<CancellationToken, Task> body)
    {
        using var bound = new CancellationTokenSource(TestBound);
        try
        {
            await body(bound.Token).WaitAsync(bound.Token);
        }
        catch
        {
            _output.WriteLine(Cluster.DescribeOutput());
            throw;
        }
    }

    public Task KillAsync(LocalClusterNode node) => Cluster.KillAsync(node);

    /// <summary>Writes a step of the test to its log, so a failure says how far it got.</summary>
    public void Step(string what) => _output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {what}");

    /// <summary>Stops a node with SIGSTOP: it keeps its connections open and answers nothing, as a hung or partitioned node.</summary>
    public static async Task FreezeAsync(LocalClusterNode node)
    {
        using var kill = Process.Start("kill", ["-STOP", node.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
        Assert.Equal(0, kill.ExitCode);
    }

    public async ValueTask DisposeAsync()
    {
        await Redis.DisposeAsync();
        await Cluster.DisposeAsync();
    }

    // The node host is built with the tests (a project reference without its assembly): run it from its own output.
    private static string NodeHost()
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string framework = output.Name, configuration = output.Parent!.Name;
        string tests = output.Parent.Parent!.Parent!.Parent!.FullName;
        return Path.Combine(tests, "Orleans.ClusterNode", "bin", configuration, framework, "ToolFlow.Orleans.ClusterNode.dll");
    }
}
