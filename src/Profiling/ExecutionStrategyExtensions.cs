using System.Reflection;
using System.Threading.Tasks.Dataflow;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;
using ToolFlow.Pipeline;

namespace ToolFlow.Profiling;

/// <summary>Names an <see cref="ExecutionStrategy"/> in reports and on the command line, and applies it to a pipeline.</summary>
public static class ExecutionStrategyExtensions
{
    /// <summary>Every strategy, in report order: ToolFlow's simulations of the standard policies, the real libraries, ToolFlow's modes.</summary>
    public static IReadOnlyList<ExecutionStrategy> All { get; } =
    [
        ExecutionStrategy.Sequential,
        ExecutionStrategy.AfterDecode,
        ExecutionStrategy.Ficc,
        ExecutionStrategy.FiccConcurrent,
        ExecutionStrategy.Agent,
        ExecutionStrategy.AgentConcurrent,
        ExecutionStrategy.Await,
        ExecutionStrategy.Futures,
        ExecutionStrategy.Plan,
    ];

    /// <summary>
    /// The strategy's name: <c>sequential</c>, <c>after-decode</c>, <c>ficc</c>, <c>ficc-concurrent</c>, <c>agent</c>,
    /// <c>agent-concurrent</c>, <c>await</c>, <c>futures</c>, <c>plan</c>.
    /// </summary>
    /// <param name="strategy">The strategy.</param>
    /// <returns>The name.</returns>
    public static string ToName(this ExecutionStrategy strategy) => strategy switch
    {
        ExecutionStrategy.Sequential => "sequential",
        ExecutionStrategy.AfterDecode => "after-decode",
        ExecutionStrategy.Await => "await",
        ExecutionStrategy.Futures => "futures",
        ExecutionStrategy.Plan => "plan",
        ExecutionStrategy.Ficc => "ficc",
        ExecutionStrategy.FiccConcurrent => "ficc-concurrent",
        ExecutionStrategy.Agent => "agent",
        ExecutionStrategy.AgentConcurrent => "agent-concurrent",
        _ => throw new ArgumentOutOfRangeException(nameof(strategy)),
    };

    /// <summary>
    /// The real library a strategy runs, with the version loaded, for reports: for example
    /// <c>Microsoft.Extensions.AI 11.0.0 FunctionInvokingChatClient</c>; <see langword="null"/> for ToolFlow's own
    /// pipeline (its modes, and its simulations of the standard policies).
    /// </summary>
    /// <param name="strategy">The strategy.</param>
    /// <returns>The library, or <see langword="null"/>.</returns>
    public static string? RealLibrary(this ExecutionStrategy strategy) => strategy switch
    {
        ExecutionStrategy.Ficc => $"{Package(typeof(FunctionInvokingChatClient))} FunctionInvokingChatClient",
        ExecutionStrategy.FiccConcurrent => $"{Package(typeof(FunctionInvokingChatClient))} FunctionInvokingChatClient, AllowConcurrentInvocation",
        ExecutionStrategy.Agent => $"{Package(typeof(ChatClientAgent))} ChatClientAgent",
        ExecutionStrategy.AgentConcurrent => $"{Package(typeof(ChatClientAgent))} ChatClientAgent, AllowConcurrentInvocation",
        _ => null,
    };

    private static string Package(Type type)
    {
        Assembly assembly = type.Assembly;
        string version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetName().Version?.ToString()
            ?? "?";

        // Drop the source revision: "11.0.0+abc123" is package 11.0.0.
        int plus = version.IndexOf('+', StringComparison.Ordinal);
        return $"{assembly.GetName().Name} {(plus < 0 ? version : version[..plus])}";
    }

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
    /// <exception cref="ArgumentException">The strategy runs a real library, not a ToolFlow pipeline.</exception>
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
            _ when strategy.RealLibrary() is { } library => throw new ArgumentException($"The strategy '{strategy.ToName()}' runs {library}, not a ToolFlow pipeline.", nameof(strategy)),
            _ => throw new ArgumentOutOfRangeException(nameof(strategy)),
        };
    }
}
