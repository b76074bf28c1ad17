namespace ToolFlow.ClusterBench;

/// <summary>What one executor did at one concurrency: per-call latency from closing the call to its outcome, and throughput.</summary>
/// <param name="Executor">Where the tool ran: <c>local</c>, or <c>N silos</c>.</param>
/// <param name="Concurrency">Calls kept in flight.</param>
/// <param name="Calls">Calls measured.</param>
/// <param name="Failed">Calls that failed (a no-op should never).</param>
/// <param name="P50Ms">Median latency, in milliseconds.</param>
/// <param name="P99Ms">99th percentile latency, in milliseconds.</param>
/// <param name="CallsPerSecond">Calls completed per second of the run.</param>
public sealed record HopResult(string Executor, int Concurrency, int Calls, int Failed, double P50Ms, double P99Ms, double CallsPerSecond)
{
    /// <summary>How many of the calls each silo ran, in the order the silos started; empty for local execution.</summary>
    public IReadOnlyList<long> CallsPerSilo { get; init; } = [];
}
