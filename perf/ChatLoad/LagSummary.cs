namespace ToolFlow.ChatLoad;

/// <summary>Delivery lag over many events: received by the client minus the event's <c>timestamp</c>.</summary>
/// <param name="Count">The events measured.</param>
/// <param name="P50Ms">The median, in milliseconds.</param>
/// <param name="P99Ms">The 99th percentile (nearest rank), in milliseconds.</param>
/// <param name="MaxMs">The largest, in milliseconds.</param>
public sealed record LagSummary(int Count, double P50Ms, double P99Ms, double MaxMs)
{
    /// <summary>Summarizes the lags of every event the given clients received live.</summary>
    /// <param name="outcomes">The clients.</param>
    /// <returns>The summary (all zero if there was no event).</returns>
    public static LagSummary Of(IEnumerable<StreamOutcome> outcomes)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        double[] lags = [.. outcomes.SelectMany(o => o.LagsMs)];
        if (lags.Length == 0)
        {
            return new LagSummary(0, 0, 0, 0);
        }

        Array.Sort(lags);
        return new LagSummary(lags.Length, Rank(lags, 0.50), Rank(lags, 0.99), lags[^1]);
    }

    private static double Rank(double[] sorted, double quantile) => sorted[Math.Max(0, (int)Math.Ceiling(quantile * sorted.Length) - 1)];
}
