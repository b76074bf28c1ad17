namespace ToolFlow.Profiling;

/// <summary>
/// A scenario tool's hidden capacity: with c bodies running (this one included), an attempt takes its drawn latency
/// times (1 + growth x (c - 1)) while c is at most the capacity; an attempt arriving above it is rejected at once with a
/// <c>Retry-After</c> (<see cref="ToolFlow.Blocks.ToolRateLimitedException"/>). Calls of the tool are never told the capacity.
/// </summary>
/// <param name="Capacity">The most bodies the service takes at once.</param>
/// <param name="Growth">How much each extra body slows every body down, as a fraction of the latency.</param>
/// <param name="RetryAfter">The wait a rejection names.</param>
internal sealed record ScenarioOverload(int Capacity, double Growth, TimeSpan RetryAfter);
