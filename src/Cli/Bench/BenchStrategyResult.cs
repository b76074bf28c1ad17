namespace ToolFlow.Cli.Bench;

/// <summary>One strategy's figures on one scenario.</summary>
internal sealed record BenchStrategyResult(string Name, double P50Ms, double P95Ms, double RatioToLowerBound, double? RatioToAfterDecode, IReadOnlyList<double> RunsMs);
