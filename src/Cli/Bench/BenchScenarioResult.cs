using ToolFlow.Profiling;

namespace ToolFlow.Cli.Bench;

/// <summary>One scenario's figures: its lower bound, each strategy, and the first run of each strategy for the timeline.</summary>
internal sealed record BenchScenarioResult(string Name, string Description, double LowerBoundMs, IReadOnlyList<BenchStrategyResult> Strategies, IReadOnlyList<ScenarioRun> FirstRuns);
