using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Text;

namespace ToolFlow.Benchmarks.Mesh;

/// <summary>
/// The dispatch latencies of every iteration, by method and offered load, and their percentiles over the measured
/// iterations. Lives in the benchmark process: the mesh job runs in process.
/// </summary>
internal static class DispatchLatencyResults
{
    // BenchmarkDotNet's Monitoring strategy runs the warm-up iterations, then the measured ones, then one more for
    // the memory diagnoser's GC statistics (no jitting or pilot iterations): the measured ones are those in between.
    private const int Unmeasured = MeshBenchmarkConfig.WarmupCount;

    private static readonly ConcurrentDictionary<string, List<(long[] Ticks, GcActivity Gc)>> s_iterations = new(StringComparer.Ordinal);
    private static readonly List<string> s_order = [];

    /// <summary>Keeps one iteration's latencies, in <see cref="Stopwatch"/> ticks.</summary>
    /// <param name="method">The benchmark method.</param>
    /// <param name="arrivals">The offered load.</param>
    /// <param name="ticks">Each call's latency.</param>
    /// <param name="gc">The collections while the iteration ran.</param>
    public static void AddIteration(string method, string arrivals, long[] ticks, GcActivity gc)
    {
        string key = $"{method}|{arrivals}";
        lock (s_order)
        {
            if (!s_iterations.ContainsKey(key))
            {
                s_order.Add(key);
            }

            s_iterations.GetOrAdd(key, _ => []).Add((ticks, gc));
        }
    }

    /// <summary>The percentiles for a method and offered load, or <see langword="null"/> before any measured iteration.</summary>
    /// <param name="method">The benchmark method.</param>
    /// <param name="arrivals">The offered load.</param>
    /// <returns>The summary.</returns>
    public static LatencySummary? Get(string method, string arrivals)
    {
        lock (s_order)
        {
            if (!s_iterations.TryGetValue($"{method}|{arrivals}", out List<(long[] Ticks, GcActivity Gc)>? iterations) || iterations.Count <= Unmeasured)
            {
                return null;
            }

            (long[] Ticks, GcActivity Gc)[] measured = [.. iterations.Skip(Unmeasured).Take(MeshBenchmarkConfig.IterationCount)];
            double[] micros = [.. measured.SelectMany(i => i.Ticks).Select(t => t * 1e6 / Stopwatch.Frequency)];
            Array.Sort(micros);
            return new LatencySummary(measured.Length, micros) { Gc = measured.Aggregate(default(GcActivity), (sum, i) => sum + i.Gc) };
        }
    }

    /// <summary>
    /// Writes every offered load's percentiles to <c>perf/results/mesh-dispatch.md</c> (found from the current directory
    /// up), or <c>mesh-dispatch-server-gc.md</c> when the process runs the server collector.
    /// </summary>
    public static void WriteMarkdown()
    {
        string? root = FindRepositoryRoot();
        string name = GCSettings.IsServerGC ? "mesh-dispatch-server-gc.md" : "mesh-dispatch.md";
        string path = root is null ? Path.GetFullPath(name) : Path.Combine(root, "perf", "results", name);
        var text = new StringBuilder();
        text.AppendLine("# Mesh dispatch latency");
        text.AppendLine();
        text.AppendLine("Written by `DispatchLatencyBenchmarks` (`perf/Benchmarks/Mesh`): the time from posting a call's `ToolCallClosed` to");
        text.AppendLine("its conversation's `ToolExecutionBlock` to the first instruction of the tool's body, both read with");
        text.AppendLine("`Stopwatch.GetTimestamp`, for every call of the measured iterations. 1,000 conversations share one `ToolExecutor`");
        text.AppendLine("(global cap 64, 16 per conversation); the tool is read-only and a no-op. `N/s`: calls closing at that rate across");
        text.AppendLine("all conversations, round robin, posted in 1 ms ticks; `burst`: all 1,000 conversations close a call at once, ten");
        text.AppendLine("times per iteration. `BareDataflow` is the baseline: the same two thread-pool hops (an `ActionBlock` per");
        text.AppendLine("conversation, then a task for the tool) with nothing between them. Release build, BenchmarkDotNet in process;");
        text.AppendLine("percentiles over every call of the measured iterations (after the warm-up one), which last 3 s each at a steady");
        text.AppendLine("rate, so that they hold the collections that rate brings. `GCs` counts the collections during those iterations");
        text.AppendLine("(gen 0/1/2, each counted in its own generation and those below), `GC pause` the time they stopped the process,");
        text.AppendLine("and its share of the iterations' time.");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Run {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} logical cores, .NET {Environment.Version}, {GcActivity.Mode}, load average {LoadAverage()}.");
        text.AppendLine();
        text.AppendLine("| Arrivals | Method | Iterations | Calls | p50 (µs) | p90 (µs) | p99 (µs) | p99.9 (µs) | max (µs) | GCs | GC pause | p99 ≤ 100 µs |");
        text.AppendLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        lock (s_order)
        {
            foreach (string key in s_order.OrderBy(k => k[(k.IndexOf('|', StringComparison.Ordinal) + 1)..], StringComparer.Ordinal).ThenBy(k => k, StringComparer.Ordinal))
            {
                string[] parts = key.Split('|');
                if (Get(parts[0], parts[1]) is { } s)
                {
                    string target = parts[0].StartsWith("Mesh", StringComparison.Ordinal) ? (s.Percentile(99) <= 100 ? "met" : $"missed ({s.Percentile(99) / 100:N1}x)") : "(baseline)";
                    text.AppendLine(CultureInfo.InvariantCulture, $"| {parts[1]} | {parts[0]} | {s.Iterations} | {s.Count:N0} | {s.Percentile(50):N1} | {s.Percentile(90):N1} | {s.Percentile(99):N1} | {s.Percentile(99.9):N1} | {s.Percentile(100):N1} | {s.Gc.Gen0}/{s.Gc.Gen1}/{s.Gc.Gen2} | {s.Gc.Pause.TotalMilliseconds:N1} ms ({s.Gc.Pause / s.Gc.Elapsed:P2}) | {target} |");
                }
            }
        }

        File.WriteAllText(path, text.ToString());
        Console.WriteLine($"// Dispatch latency table written to {path}");
    }

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    private static string? FindRepositoryRoot()
    {
        for (DirectoryInfo? d = new(Environment.CurrentDirectory); d is not null; d = d.Parent)
        {
            if (Directory.Exists(Path.Combine(d.FullName, "perf", "results")) && File.Exists(Path.Combine(d.FullName, "Dataflow.sln")))
            {
                return d.FullName;
            }
        }

        return null;
    }
}
