using System.Threading.Tasks.Dataflow;
using ToolFlow.Blocks;
using ToolFlow.Pipeline;

namespace ToolFlow.Profiling;

/// <summary>Names an <see cref="ExecutionStrategy"/> in reports and on the command line, and applies it to a pipeline.</summary>
public static class ExecutionStrategyExtensions
{
    /// <summary>Every strategy, in report order.</summary>
    public static IReadOnlyList<ExecutionStrategy> All { get; } =
        [ExecutionStrategy.Sequential, ExecutionStrategy.AfterDecode, ExecutionStrategy.Await, ExecutionStrategy.Futures, ExecutionStrategy.Plan];

    /// <summary>The strategy's name: <c>sequential</c>, <c>after-decode</c>, <c>await</c>, <c>futures</c>, <c>plan</c>.</summary>
    /// <param name="strategy">The strategy.</param>
    /// <returns>The name.</returns>
    public static string ToName(this ExecutionStrategy strategy) => strategy switch
    {
        ExecutionStrategy.Sequential => "sequential",
        ExecutionStrategy.AfterDecode => "after-decode",
        ExecutionStrategy.Await => "await",
        ExecutionStrategy.Futures => "futures",
        ExecutionStrategy.Plan => "plan",
        _ => throw new ArgumentOutOfRangeException(nameof(strategy)),
    };

    /// <summary>Reads a strategy's name, ignoring case.</summary>
    /// <param name="name">The name, as <see cref="ToName"/> writes it.</param>
    /// <param name="strategy">The strategy.</param>
    /// <returns>Whether the name is known.</returns>
    public static bool TryParse(string name, out ExecutionStrategy strategy)
    {
        foreach (ExecutionStrategy s in All)
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
    public static bool AppliesTo(this ExecutionStrategy strategy, Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        return strategy != ExecutionStrategy.Plan || scenario.IsPlan;
    }

    /// <summary>
    /// Configures a builder to run calls as <paramref name="strategy"/> does. Sequential and after-decode set the
    /// concurrency they are defined by; await, futures and plan keep the builder's. Plan mode plans with the
    /// pipeline's own model unless <see cref="ToolPipelineOptions.Planner"/> is set.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="strategy">The strategy.</param>
    /// <returns>The builder.</returns>
    public static ToolPipelineBuilder WithStrategy(this ToolPipelineBuilder builder, ExecutionStrategy strategy)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return strategy switch
        {
            ExecutionStrategy.Sequential => builder.WithDispatchTiming(ToolDispatchTiming.AfterResponse).WithMaxConcurrency(1),
            ExecutionStrategy.AfterDecode => builder.WithDispatchTiming(ToolDispatchTiming.AfterResponse).WithMaxConcurrency(DataflowBlockOptions.Unbounded),
            ExecutionStrategy.Await => builder.WithDispatchTiming(ToolDispatchTiming.OnCallClosed),
            ExecutionStrategy.Futures => builder.WithMode(ToolPipelineMode.Futures),
            ExecutionStrategy.Plan => builder.WithMode(ToolPipelineMode.Plan),
            _ => throw new ArgumentOutOfRangeException(nameof(strategy)),
        };
    }
}
