namespace ToolFlow.Profiling;

/// <summary>Names of <see cref="BenchStrategy"/> values in reports and on the command line.</summary>
public static class BenchStrategyExtensions
{
    /// <summary>Every strategy, in report order.</summary>
    public static IReadOnlyList<BenchStrategy> All { get; } = [BenchStrategy.Sequential, BenchStrategy.AfterDecode, BenchStrategy.Await, BenchStrategy.Futures, BenchStrategy.Plan];

    /// <summary>The strategy's name: <c>sequential</c>, <c>after-decode</c>, <c>await</c>, <c>futures</c>, <c>plan</c>.</summary>
    /// <param name="strategy">The strategy.</param>
    /// <returns>The name.</returns>
    public static string ToName(this BenchStrategy strategy) => strategy switch
    {
        BenchStrategy.Sequential => "sequential",
        BenchStrategy.AfterDecode => "after-decode",
        BenchStrategy.Await => "await",
        BenchStrategy.Futures => "futures",
        BenchStrategy.Plan => "plan",
        _ => throw new ArgumentOutOfRangeException(nameof(strategy)),
    };

    /// <summary>Reads a strategy's name.</summary>
    /// <param name="name">The name.</param>
    /// <param name="strategy">The strategy.</param>
    /// <returns>Whether the name is known.</returns>
    public static bool TryParse(string name, out BenchStrategy strategy)
    {
        foreach (BenchStrategy s in All)
        {
            if (string.Equals(s.ToName(), name, StringComparison.OrdinalIgnoreCase))
            {
                strategy = s;
                return true;
            }
        }

        strategy = default;
        return false;
    }

    /// <summary>Whether the strategy applies to a scenario: plan mode only to plan scenarios.</summary>
    /// <param name="strategy">The strategy.</param>
    /// <param name="scenario">The scenario.</param>
    /// <returns>Whether it applies.</returns>
    public static bool AppliesTo(this BenchStrategy strategy, Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        return strategy != BenchStrategy.Plan || scenario.IsPlan;
    }
}
