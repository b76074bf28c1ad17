namespace ToolFlow.Profiling;

/// <summary>One run of a scenario with one strategy.</summary>
/// <param name="Strategy">The strategy.</param>
/// <param name="Seed">The draw's seed.</param>
/// <param name="EndToEndMs">From the scenario's start to the last conversation's end.</param>
/// <param name="LowerBoundMs">The analytic lower bound of this draw.</param>
/// <param name="Conversations">Each conversation's timeline, in milliseconds from the scenario's start.</param>
public sealed record ScenarioRun(ExecutionStrategy Strategy, int Seed, double EndToEndMs, double LowerBoundMs, IReadOnlyList<RunTimeline> Conversations);
