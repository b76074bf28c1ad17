namespace ToolFlow.ClusterBench;

/// <summary>One executor's runs of a scenario.</summary>
/// <param name="Executor">Where the tools ran: <c>local</c>, or <c>N silos</c>.</param>
/// <param name="EndToEndMs">Each run's end to end, in milliseconds, in run order.</param>
/// <param name="Same">Whether every run's outcome equals the local run's on the same seed.</param>
/// <param name="Difference">The first outcome line that differs (local, then this executor), or <see langword="null"/>.</param>
public sealed record ScenarioSide(string Executor, IReadOnlyList<double> EndToEndMs, bool Same, string? Difference);
