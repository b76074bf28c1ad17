namespace ToolFlow.Profiling;

/// <summary>A tool of a scenario: its latency, how often it fails, and how it is retried.</summary>
/// <param name="Name">The tool name.</param>
/// <param name="Latency">The latency of one attempt.</param>
/// <param name="FailureProbability">The chance that one attempt fails (after its latency).</param>
/// <param name="MaxRetries">How many times a failed attempt is retried; 0 for none.</param>
/// <param name="RetryBaseDelay">The wait before the first retry; later ones double it (no jitter, so runs compare).</param>
internal sealed record ScenarioTool(string Name, LatencyDistribution Latency, double FailureProbability, int MaxRetries, TimeSpan RetryBaseDelay)
{
    /// <summary>The service's hidden capacity, for a tool that overloads; <see langword="null"/> for one that does not.</summary>
    public ScenarioOverload? Overload { get; init; }
}
