namespace ToolFlow.ClusterBench;

/// <summary>A scenario run locally and on each cluster, on the same seeds.</summary>
/// <param name="Scenario">The scenario's name.</param>
/// <param name="Calls">Calls per run (the local run's, over all conversations).</param>
/// <param name="LowerBoundMs">The analytic lower bound of the first run's draw.</param>
/// <param name="Sides">Local first, then each cluster.</param>
public sealed record ScenarioComparisonRow(string Scenario, int Calls, double LowerBoundMs, IReadOnlyList<ScenarioSide> Sides);
