namespace ToolFlow.Cli.Bench;

/// <summary>One strategy's figures on one scenario.</summary>
/// <param name="Name">The strategy's name.</param>
/// <param name="Runner">Who runs the calls: ToolFlow's pipeline, or the real library and its version.</param>
/// <param name="RealLibrary">The real library the strategy runs, or <see langword="null"/> for ToolFlow's pipeline.</param>
/// <param name="P50Ms">The median end to end.</param>
/// <param name="P95Ms">The 95th percentile end to end.</param>
/// <param name="FirstToolStartP50Ms">The median instant the first tool started, from the scenario's start; <see langword="null"/> if none did.</param>
/// <param name="RatioToLowerBound">The median over the lower bound.</param>
/// <param name="RatioToAfterDecode">The median over after-decode's median, when after-decode ran.</param>
/// <param name="RunsMs">Every run's end to end.</param>
internal sealed record BenchStrategyResult(
    string Name,
    string Runner,
    string? RealLibrary,
    double P50Ms,
    double P95Ms,
    double? FirstToolStartP50Ms,
    double RatioToLowerBound,
    double? RatioToAfterDecode,
    IReadOnlyList<double> RunsMs);
