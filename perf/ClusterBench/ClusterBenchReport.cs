using System.Globalization;
using System.Text;

namespace ToolFlow.ClusterBench;

/// <summary>Writes a run's results as markdown: the machine's state, the scenarios side by side and the hop table.</summary>
public static class ClusterBenchReport
{
    /// <summary>The machine's load average (from <c>/proc/loadavg</c>) and cores, for the report's header.</summary>
    /// <returns>For example <c>load average 1.20 0.95 0.80, 2 cores</c>.</returns>
    public static string MachineState()
    {
        string load = File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
        return $"load average {load}, {Environment.ProcessorCount} cores";
    }

    /// <summary>Writes the report.</summary>
    /// <param name="command">The command that ran.</param>
    /// <param name="options">Its options.</param>
    /// <param name="started">When it started.</param>
    /// <param name="before">The machine's state before the run.</param>
    /// <param name="after">After it.</param>
    /// <param name="scenarios">The scenario rows.</param>
    /// <param name="hops">The hop results, local first at each concurrency.</param>
    /// <returns>The markdown.</returns>
    public static string Write(string command, ClusterBenchOptions options, DateTimeOffset started, string before, string after, IReadOnlyList<ScenarioComparisonRow> scenarios, IReadOnlyList<HopResult> hops)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(scenarios);
        ArgumentNullException.ThrowIfNull(hops);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"`{command}`, {started:yyyy-MM-dd HH:mm} to {TimeProvider.System.GetUtcNow():HH:mm} UTC; before: {before}; after: {after}.\n");
        text.Append(CultureInfo.InvariantCulture, $"Silos in one process, talking over {(options.Transport == ClusterTransport.Tcp ? "TCP on 127.0.0.1" : "TestingHost's in-memory transport")}; calls issued from the first silo.\n");
        if (scenarios.Count > 0)
        {
            WriteScenarios(text, options, scenarios);
        }

        if (hops.Count > 0)
        {
            WriteHops(text, options, hops);
        }

        return text.ToString();
    }

    private static void WriteScenarios(StringBuilder text, ClusterBenchOptions options, IReadOnlyList<ScenarioComparisonRow> rows)
    {
        IReadOnlyList<string> executors = [.. rows[0].Sides.Select(s => s.Executor)];
        text.Append(CultureInfo.InvariantCulture, $"\n### Scenarios, local and on the cluster ({ToolFlow.Profiling.ExecutionStrategyExtensions.ToName(options.Strategy)}, seed {options.Seed}, {options.Runs} run(s), time scale {options.TimeScale}; end to end in ms, median of the runs)\n\n");
        text.Append("| scenario | calls | lower bound | ").Append(string.Join(" | ", executors.Skip(1).Prepend("local").Select((e, i) => i == 0 ? e : $"{e} | ratio"))).Append(" | same outcome |\n");
        text.Append("|---|---:|---:|").Append(string.Concat(Enumerable.Repeat("---:|", 1 + ((executors.Count - 1) * 2)))).Append("---|\n");
        foreach (ScenarioComparisonRow row in rows)
        {
            double local = HopBench.MedianOf(row.Sides[0].EndToEndMs);
            text.Append(CultureInfo.InvariantCulture, $"| {row.Scenario} | {row.Calls} | {row.LowerBoundMs:F0} | {local:F0} |");
            foreach (ScenarioSide side in row.Sides.Skip(1))
            {
                double median = HopBench.MedianOf(side.EndToEndMs);
                text.Append(CultureInfo.InvariantCulture, $" {median:F0} | {median / local:F3}x |");
            }

            text.Append(row.Sides.All(s => s.Same) ? " yes |\n" : " **no** |\n");
        }

        foreach ((ScenarioComparisonRow row, ScenarioSide side) in rows.SelectMany(r => r.Sides.Where(s => !s.Same).Select(s => (r, s))))
        {
            text.Append(CultureInfo.InvariantCulture, $"\n{row.Scenario} on {side.Executor}: {side.Difference}\n");
        }
    }

    private static void WriteHops(StringBuilder text, ClusterBenchOptions options, IReadOnlyList<HopResult> hops)
    {
        text.Append(CultureInfo.InvariantCulture, $"\n### Remote tool hop: a no-op tool through one execution block, {options.Calls} calls per row and round, closed loop (latency from closing a call to its outcome); each figure the median of {options.Rounds} round(s), failures and calls per silo summed\n\n");
        text.Append("| in flight | executor | p50 ms | p99 ms | calls/s | p50 added | p99 added | calls/s vs local | failed | calls per silo |\n");
        text.Append("|---:|---|---:|---:|---:|---:|---:|---:|---:|---|\n");
        foreach (IGrouping<int, HopResult> level in hops.GroupBy(h => h.Concurrency))
        {
            HopResult local = level.First();
            foreach (HopResult hop in level)
            {
                bool isLocal = ReferenceEquals(hop, local);
                text.Append(CultureInfo.InvariantCulture, $"| {hop.Concurrency} | {hop.Executor} | {hop.P50Ms:F3} | {hop.P99Ms:F3} | {hop.CallsPerSecond:F0} | ");
                text.Append(isLocal ? "| | |" : string.Create(CultureInfo.InvariantCulture, $"{hop.P50Ms - local.P50Ms:F3} | {hop.P99Ms - local.P99Ms:F3} | {hop.CallsPerSecond / local.CallsPerSecond:F3}x |"));
                text.Append(CultureInfo.InvariantCulture, $" {hop.Failed} | {string.Join('/', hop.CallsPerSilo)} |\n");
            }
        }
    }
}
