using ToolFlow.Profiling;

namespace ToolFlow.ClusterBench;

/// <summary>
/// Runs scenarios locally and with their tools on each cluster, back to back on the same seed, and compares what each
/// run produced (<see cref="ScenarioOutcome"/>) and how long it took.
/// </summary>
public static class ScenarioComparison
{
    /// <summary>Runs one scenario on every executor.</summary>
    /// <param name="scenario">The scenario.</param>
    /// <param name="strategy">The ToolFlow strategy.</param>
    /// <param name="seed">The first run's seed; run <c>r</c> uses <c>seed + r</c> on every executor.</param>
    /// <param name="runs">Runs per executor, at least 1.</param>
    /// <param name="clock">The clock the model and the tools run on (real, or accelerated).</param>
    /// <param name="rigs">The clusters.</param>
    /// <param name="tools">The worker side of every rig.</param>
    /// <param name="cancellationToken">Cancels the runs.</param>
    /// <returns>The row.</returns>
    public static async Task<ScenarioComparisonRow> RunAsync(
        Scenario scenario,
        ExecutionStrategy strategy,
        int seed,
        int runs,
        TimeProvider clock,
        IReadOnlyList<ClusterRig> rigs,
        RemoteScenarioTools tools,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(rigs);
        ArgumentNullException.ThrowIfNull(tools);
        ArgumentOutOfRangeException.ThrowIfLessThan(runs, 1);
        var local = new List<double>();
        var remote = rigs.Select(_ => new List<double>()).ToArray();
        string?[] differences = new string?[rigs.Count];
        int calls = 0;
        double lowerBound = 0;
        for (int r = 0; r < runs; r++)
        {
            ScenarioRun mine = await ScenarioRunner.RunAsync(scenario, strategy, seed + r, clock, null, cancellationToken).ConfigureAwait(false);
            IReadOnlyList<string> expected = ScenarioOutcome.Of(mine);
            local.Add(mine.EndToEndMs);
            if (r == 0)
            {
                calls = mine.Conversations.Sum(c => c.Calls.Count);
                lowerBound = mine.LowerBoundMs;
            }

            for (int k = 0; k < rigs.Count; k++)
            {
                string scope = $"{scenario.Name}-{rigs[k].Silos}-{seed + r}-{Guid.NewGuid():N}";
                try
                {
                    ScenarioRun theirs = await ScenarioRunner.RunRoutedAsync(scenario, strategy, seed + r, clock, tools.Route(rigs[k].Grains, scope), null, cancellationToken).ConfigureAwait(false);
                    remote[k].Add(theirs.EndToEndMs);
                    differences[k] ??= FirstDifference(expected, ScenarioOutcome.Of(theirs));
                }
                finally
                {
                    tools.Forget(scope);
                }
            }
        }

        return new ScenarioComparisonRow(
            scenario.Name,
            calls,
            lowerBound,
            [new ScenarioSide("local", local, true, null), .. rigs.Select((rig, k) => new ScenarioSide(Label(rig.Silos), remote[k], differences[k] is null, differences[k]))]);
    }

    /// <summary>The label of a cluster's executor.</summary>
    /// <param name="silos">Its silos.</param>
    /// <returns><c>1 silo</c>, <c>3 silos</c>.</returns>
    public static string Label(int silos) => silos == 1 ? "1 silo" : $"{silos} silos";

    /// <summary>The first line where two outcomes differ, both sides shown, or <see langword="null"/> when they are equal.</summary>
    /// <param name="expected">The local outcome.</param>
    /// <param name="actual">The other executor's.</param>
    /// <returns>The difference.</returns>
    public static string? FirstDifference(IReadOnlyList<string> expected, IReadOnlyList<string> actual)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        for (int i = 0; i < Math.Max(expected.Count, actual.Count); i++)
        {
            string? e = i < expected.Count ? expected[i] : null;
            string? a = i < actual.Count ? actual[i] : null;
            if (!string.Equals(e, a, StringComparison.Ordinal))
            {
                return $"line {i + 1}: local '{e ?? "(none)"}', remote '{a ?? "(none)"}'";
            }
        }

        return null;
    }
}
