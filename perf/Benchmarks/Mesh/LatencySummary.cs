namespace ToolFlow.Benchmarks.Mesh;

/// <summary>A sorted latency distribution.</summary>
/// <param name="Iterations">The measured iterations it comes from.</param>
/// <param name="SortedMicroseconds">Every latency, in microseconds, ascending.</param>
internal sealed record LatencySummary(int Iterations, double[] SortedMicroseconds)
{
    /// <summary>The collections during the measured iterations.</summary>
    public GcActivity Gc { get; init; }

    /// <summary>The number of latencies.</summary>
    public int Count => SortedMicroseconds.Length;

    /// <summary>The nearest-rank percentile: the smallest latency at or above which <paramref name="percent"/>% of calls lie.</summary>
    /// <param name="percent">From 0 to 100; 100 is the maximum.</param>
    /// <returns>The latency, in microseconds.</returns>
    public double Percentile(double percent)
    {
        int rank = (int)Math.Ceiling(percent / 100 * SortedMicroseconds.Length);
        return SortedMicroseconds[Math.Clamp(rank - 1, 0, SortedMicroseconds.Length - 1)];
    }
}
