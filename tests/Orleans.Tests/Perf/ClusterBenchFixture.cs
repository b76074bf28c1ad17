using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using ToolFlow.ClusterBench;
using ToolFlow.Profiling;

namespace ToolFlow.Orleans.Tests.Perf;

/// <summary>One three-silo rig for the collection (TestingHost's in-process cluster), hosting the tools of the shipped scenarios the tests run and the no-op tool.</summary>
public sealed class ClusterBenchFixture : IAsyncLifetime
{
    /// <summary>The shipped scenarios the tests compare: a chain, retries after failures, three conversations, a plan's DAG.</summary>
    public static readonly string[] ScenarioNames = ["dependent-chain", "failing-retried", "asynctool-multitask", "parallelqa-dag"];

    private ClusterRig? _rig;

    /// <summary>Where the bodies of the scenario tools are found on the silos.</summary>
    public RemoteScenarioTools Tools { get; } = new();

    /// <summary>The rig.</summary>
    public ClusterRig Rig => _rig ?? throw new InvalidOperationException("The rig has not started.");

    /// <summary>The shipped scenarios, found from this source file.</summary>
    public static string ScenariosDirectory { get; } = Find();

    public async Task InitializeAsync()
    {
        IEnumerable<string> names = ScenarioNames.SelectMany(n => ScenarioLoader.Load(Path.Combine(ScenariosDirectory, n + ".json")).ToolNames);
        IReadOnlyList<AIFunction> tools = Tools.WorkerTools(names);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        _rig = await ClusterRig.StartAsync(3, tools, ClusterTransport.Memory, deadline.Token);
    }

    public async Task DisposeAsync()
    {
        if (_rig is not null)
        {
            await _rig.DisposeAsync();
        }
    }

    private static string Find([CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", "..", "perf", "scenarios"));
}
