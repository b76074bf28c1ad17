using System.Threading.Tasks.Dataflow;
using ToolFlow.Blocks;
using ToolFlow.Pipeline;

namespace ToolFlow.Profiling;

/// <summary>Applies an <see cref="ExecutionStrategy"/> to a pipeline.</summary>
public static class ExecutionStrategyExtensions
{
    /// <summary>The strategy's name in reports: <c>sequential</c>, <c>after-decode</c>, <c>await</c>.</summary>
    /// <param name="strategy">The strategy.</param>
    /// <returns>The name.</returns>
    public static string ToName(this ExecutionStrategy strategy) => strategy switch
    {
        ExecutionStrategy.Sequential => "sequential",
        ExecutionStrategy.AfterDecode => "after-decode",
        ExecutionStrategy.Await => "await",
        _ => throw new ArgumentOutOfRangeException(nameof(strategy)),
    };

    /// <summary>Configures a builder to run calls as <paramref name="strategy"/> does.</summary>
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
            _ => throw new ArgumentOutOfRangeException(nameof(strategy)),
        };
    }
}
