using Microsoft.Extensions.AI;
using ToolFlow.Orleans;
using ToolFlow.Profiling;

namespace ToolFlow.ClusterBench;

/// <summary>
/// Starts one in-process cluster per silo count, then runs the scenarios and the hop measurement, each executor back to
/// back with local execution so their ratios are measured under the same load.
/// </summary>
public static class ClusterBenchRunner
{
    /// <summary>No-op calls that warm each executor up (JIT, connections, activations) before it is measured.</summary>
    public const int WarmUpCalls = 500;

    /// <summary>Runs what the options ask for.</summary>
    /// <param name="options">The options.</param>
    /// <param name="scenarios">The scenarios (none when only the hop runs).</param>
    /// <param name="progress">Where a line per step goes.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>The scenario rows and the hop results.</returns>
    public static async Task<(IReadOnlyList<ScenarioComparisonRow> Scenarios, IReadOnlyList<HopResult> Hops)> RunAsync(
        ClusterBenchOptions options,
        IReadOnlyList<Scenario> scenarios,
        TextWriter progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(scenarios);
        ArgumentNullException.ThrowIfNull(progress);
        var tools = new RemoteScenarioTools();
        IReadOnlyList<AIFunction> worker = tools.WorkerTools(scenarios.SelectMany(s => s.ToolNames));
        var rigs = new List<ClusterRig>();
        try
        {
            foreach (int silos in options.Silos)
            {
                progress.WriteLine($"starting {ScenarioComparison.Label(silos)}");
                rigs.Add(await ClusterRig.StartAsync(silos, worker, options.Transport, cancellationToken).ConfigureAwait(false));
            }

            // Local; then per cluster the remote tool, and the bare grain call beside it (its floor).
            (string Label, Func<AIFunction> Tool, ClusterRig? Rig)[] executors =
            [
                ("local", () => new NoOpFunction(), null),
                .. rigs.SelectMany(r => new (string, Func<AIFunction>, ClusterRig?)[]
                {
                    // A fresh scope per measurement: grain keys name the scope, the call and its attempt.
                    (ScenarioComparison.Label(r.Silos), () => new RemoteToolFunction(new NoOpFunction(), r.Grains, $"hop-{Guid.NewGuid():N}"), r),
                    ($"{ScenarioComparison.Label(r.Silos)}, bare grain call", () => new BareGrainFunction(r.Grains), null),
                }),
            ];
            foreach ((string label, Func<AIFunction> tool, _) in executors)
            {
                await HopBench.MeasureAsync(label, tool(), 16, Math.Min(WarmUpCalls, options.Calls), cancellationToken).ConfigureAwait(false);
            }

            var rows = new List<ScenarioComparisonRow>();
            if (options.RunScenarios && scenarios.Count > 0)
            {
                // One fast run of the first scenario per executor first, so no measured run pays the pipeline's JIT.
                await ScenarioComparison.RunAsync(scenarios[0], options.Strategy, options.Seed, 1, new AcceleratedTimeProvider(TimeProvider.System, 50), rigs, tools, cancellationToken).ConfigureAwait(false);

                TimeProvider clock = options.TimeScale == 1 ? TimeProvider.System : new AcceleratedTimeProvider(TimeProvider.System, options.TimeScale);
                foreach (Scenario scenario in scenarios)
                {
                    progress.WriteLine($"scenario {scenario.Name}");
                    rows.Add(await ScenarioComparison.RunAsync(scenario, options.Strategy, options.Seed, options.Runs, clock, rigs, tools, cancellationToken).ConfigureAwait(false));
                }
            }

            var measured = new List<HopResult>();
            for (int round = 0; options.RunHop && round < options.Rounds; round++)
            {
                foreach (int concurrency in options.Concurrency)
                {
                    progress.WriteLine($"hop round {round + 1} at {concurrency} in flight");
                    foreach ((string label, Func<AIFunction> tool, ClusterRig? rig) in executors)
                    {
                        IReadOnlyList<long> before = rig?.NoOpCallsPerSilo ?? [];
                        HopResult hop = await HopBench.MeasureAsync(label, tool(), concurrency, options.Calls, cancellationToken).ConfigureAwait(false);
                        measured.Add(rig is null ? hop : hop with { CallsPerSilo = [.. rig.NoOpCallsPerSilo.Zip(before, (a, b) => a - b)] });
                    }
                }
            }

            IReadOnlyList<HopResult> hops = [.. measured.GroupBy(h => (h.Concurrency, h.Executor)).Select(HopBench.Median)];
            return (rows, hops);
        }
        finally
        {
            foreach (ClusterRig rig in rigs)
            {
                await rig.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
