using System.Diagnostics;
using System.Runtime;

namespace ToolFlow.Benchmarks.Mesh;

/// <summary>The garbage collections during a stretch of a run, and how long they paused the process.</summary>
/// <param name="Gen0">Collections of generation 0 (including those of higher generations).</param>
/// <param name="Gen1">Collections of generation 1 (including those of generation 2).</param>
/// <param name="Gen2">Collections of generation 2.</param>
/// <param name="Pause">The time the process was paused for them.</param>
/// <param name="Elapsed">The stretch's length.</param>
internal readonly record struct GcActivity(int Gen0, int Gen1, int Gen2, TimeSpan Pause, TimeSpan Elapsed)
{
    /// <summary>Which collector the process runs: latency tails depend on it.</summary>
    public static string Mode => GCSettings.IsServerGC ? "server GC" : "workstation GC";

    /// <summary>The counters now, to subtract later.</summary>
    /// <returns>The reading.</returns>
    public static GcActivity Read() => new(GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration(), TimeSpan.FromSeconds(Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency));

    /// <summary>What happened between two readings.</summary>
    /// <param name="later">The later reading.</param>
    /// <param name="earlier">The earlier reading.</param>
    /// <returns>The difference.</returns>
    public static GcActivity operator -(GcActivity later, GcActivity earlier) =>
        new(later.Gen0 - earlier.Gen0, later.Gen1 - earlier.Gen1, later.Gen2 - earlier.Gen2, later.Pause - earlier.Pause, later.Elapsed - earlier.Elapsed);

    /// <summary>Adds two stretches.</summary>
    /// <param name="a">One.</param>
    /// <param name="b">The other.</param>
    /// <returns>The sum.</returns>
    public static GcActivity operator +(GcActivity a, GcActivity b) =>
        new(a.Gen0 + b.Gen0, a.Gen1 + b.Gen1, a.Gen2 + b.Gen2, a.Pause + b.Pause, a.Elapsed + b.Elapsed);
}
