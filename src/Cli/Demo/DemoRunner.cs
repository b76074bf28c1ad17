using ToolFlow.Blocks;
using ToolFlow.Pipeline;
using ToolFlow.Profiling;
using ToolFlow.Providers.Scripted;
using ToolFlow.StreamParsers;

namespace ToolFlow.Cli.Demo;

/// <summary>Runs the demo conversation with one strategy and measures it.</summary>
internal static class DemoRunner
{
    /// <summary>The strategies the demo compares: the two after-decode baselines and ToolFlow's await mode.</summary>
    public static IReadOnlyList<ExecutionStrategy> Strategies { get; } = [ExecutionStrategy.Sequential, ExecutionStrategy.AfterDecode, ExecutionStrategy.Await];

    public static async Task<DemoRun> RunAsync(
        ExecutionStrategy strategy,
        TimeProvider timeProvider,
        ScriptedToolCallShape shape,
        Action<ToolPipelineEvent>? onEvent,
        CancellationToken cancellationToken,
        TaskScheduler? scheduler = null)
    {
        ScriptedChatClient model = DemoScenario.CreateModel(timeProvider, shape);
        ToolPipelineBuilder builder = ToolPipeline.CreateBuilder(model)
            .AddTools(DemoScenario.CreateTools(timeProvider), ToolEffects.ReadOnly)
            .WithTimeProvider(timeProvider)
            .WithStrategy(strategy);
        if (shape == ScriptedToolCallShape.HermesText)
        {
            builder.WithTextParser(static options => ToolCallFormatRegistry.Default.Create("hermes", options));
        }

        if (scheduler is not null)
        {
            builder.Configure(o => o.TaskScheduler = scheduler);
        }

        ToolPipeline pipeline = builder.Build();
        var timeline = new RunTimeline(timeProvider.GetUtcNow());
        await foreach (ToolPipelineEvent @event in pipeline.RunAsync(DemoScenario.Conversation, cancellationToken))
        {
            timeline.Record(@event);
            onEvent?.Invoke(@event);
        }

        return new DemoRun(strategy, timeline, DemoScenario.PlanOf(model));
    }
}
