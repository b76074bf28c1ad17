namespace ToolFlow.Profiling;

/// <summary>
/// A tool's latency distribution, sampled in whole milliseconds (timers have millisecond resolution, so a sample is
/// kept exactly on every clock).
/// </summary>
/// <param name="Kind">The shape.</param>
/// <param name="Ms">For <see cref="LatencyKind.Fixed"/>: the latency.</param>
/// <param name="MinMs">For <see cref="LatencyKind.Uniform"/>: the least latency.</param>
/// <param name="MaxMs">For <see cref="LatencyKind.Uniform"/>: the greatest latency.</param>
/// <param name="MedianMs">For <see cref="LatencyKind.LogNormal"/>: the median.</param>
/// <param name="Sigma">For <see cref="LatencyKind.LogNormal"/>: the standard deviation of the log.</param>
/// <param name="TailProbability">The chance that a sample is a straggler, multiplied by <paramref name="TailFactor"/>.</param>
/// <param name="TailFactor">How much slower a straggler is.</param>
internal sealed record LatencyDistribution(
    LatencyKind Kind,
    double Ms = 0,
    double MinMs = 0,
    double MaxMs = 0,
    double MedianMs = 0,
    double Sigma = 0,
    double TailProbability = 0,
    double TailFactor = 1)
{
    /// <summary>A fixed latency.</summary>
    /// <param name="ms">The latency in milliseconds.</param>
    /// <returns>The distribution.</returns>
    public static LatencyDistribution Fixed(double ms) => new(LatencyKind.Fixed, Ms: ms);

    /// <summary>Draws one latency.</summary>
    /// <param name="random">The seeded source.</param>
    /// <returns>The latency, in whole milliseconds, never negative.</returns>
    public TimeSpan Sample(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        double ms = Kind switch
        {
            LatencyKind.Fixed => Ms,
            LatencyKind.Uniform => MinMs + (random.NextDouble() * (MaxMs - MinMs)),
            LatencyKind.LogNormal => MedianMs * Math.Exp(Sigma * StandardNormal(random)),
            _ => throw new InvalidOperationException($"Unknown latency kind {Kind}."),
        };
        if (TailProbability > 0 && random.NextDouble() < TailProbability)
        {
            ms *= TailFactor;
        }

        return TimeSpan.FromMilliseconds(Math.Max(0, Math.Round(ms)));
    }

    private static double StandardNormal(Random random)
    {
        // Box-Muller.
        double u1 = 1.0 - random.NextDouble();
        double u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
