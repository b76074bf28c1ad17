using System.Threading.Tasks.Dataflow;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;
using ToolFlow.Pipeline;
using ToolFlow.Providers.Scripted;

namespace ToolFlow.Profiling;

/// <summary>
/// Runs a scenario with one strategy on a clock: every conversation at its offset, through its own pipeline run, or
/// through the real library the strategy names.
/// </summary>
public static class ScenarioRunner
{
    /// <summary>Runs the scenario once.</summary>
    /// <param name="scenario">The scenario.</param>
    /// <param name="strategy">
    /// The strategy; <see cref="ExecutionStrategy.Plan"/> only for plan scenarios. The real libraries
    /// (<see cref="ExecutionStrategyExtensions.RealLibrary"/>) run a plan scenario's calls as ordinary tool calls, as
    /// the simulated sequential and after-decode strategies do; they have no plan mode.
    /// </param>
    /// <param name="seed">The draw's seed; strategies given the same seed run the same work.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="scheduler">The scheduler the meshes run on, or <see langword="null"/> for the default.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>The run.</returns>
    public static async Task<ScenarioRun> RunAsync(
        Scenario scenario,
        ExecutionStrategy strategy,
        int seed,
        TimeProvider timeProvider,
        TaskScheduler? scheduler = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(timeProvider);
        if (!strategy.AppliesTo(scenario))
        {
            throw new ArgumentException($"The scenario '{scenario.Name}' is not a plan; plan mode does not apply.", nameof(strategy));
        }

        ScenarioRealization realization = ScenarioRealization.Sample(scenario, seed);
        DateTimeOffset origin = timeProvider.GetUtcNow();
        long start = timeProvider.GetTimestamp();
        var timelines = new RunTimeline[scenario.Conversations.Count];
        var runs = new Task[scenario.Conversations.Count];
        for (int c = 0; c < runs.Length; c++)
        {
            timelines[c] = new RunTimeline(origin, scenario.Conversations[c].Name);
            int index = c;
            runs[c] = scheduler is null
                ? RunConversationAsync(scenario, index, strategy, realization, timeProvider, scheduler, timelines[index], start, cancellationToken)

                // The real libraries take no scheduler and resume on the one current when they start (their awaits
                // capture it): start every run on the one given, so virtual time drives them.
                : Task.Factory.StartNew(
                    () => RunConversationAsync(scenario, index, strategy, realization, timeProvider, scheduler, timelines[index], start, cancellationToken),
                    cancellationToken,
                    TaskCreationOptions.None,
                    scheduler).Unwrap();
        }

        await Task.WhenAll(runs).ConfigureAwait(false);
        double end = timelines.Max(t => t.EndToEndMs ?? 0);
        return new ScenarioRun(strategy, seed, end, ScenarioRendering.LowerBoundOf(scenario, realization).TotalMilliseconds, timelines);
    }

    private static async Task RunConversationAsync(
        Scenario scenario,
        int index,
        ExecutionStrategy strategy,
        ScenarioRealization realization,
        TimeProvider clock,
        TaskScheduler? scheduler,
        RunTimeline timeline,
        long start,
        CancellationToken cancellationToken)
    {
        ScenarioConversation conversation = scenario.Conversations[index];
        TimeSpan wait = conversation.Start - clock.GetElapsedTime(start);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, clock, cancellationToken).ConfigureAwait(false);
        }

        if (strategy.RealLibrary() is not null)
        {
            await PeerRunner.RunConversationAsync(scenario, index, strategy, realization, clock, timeline, cancellationToken).ConfigureAwait(false);
            return;
        }

        ScriptedModelOptions options = ScenarioRendering.ModelOptions(scenario, clock);
        ToolPipelineBuilder builder;
        if (strategy == ExecutionStrategy.Plan)
        {
            // A planner streams the first turn as a plan; the answering model then speaks the last turn.
            ScriptedResponse answer = ScenarioRendering.Response(conversation, conversation.Turns[^1]);
            var planner = new ScriptedChatClient([new ScriptedResponse().Text(ScenarioRendering.PlanText(conversation))], options);
            var answerer = new ScriptedChatClient(_ => answer, options);
            builder = ToolPipeline.CreateBuilder(answerer)
                .WithTimeProvider(clock)
                .WithStrategy(ExecutionStrategy.Plan)
                .WithMaxConcurrency(DataflowBlockOptions.Unbounded)
                .Configure(o =>
                {
                    o.Planner = planner;
                    o.MaxReplans = 0;
                    o.Execution.DeduplicateCalls = false;
                    if (scheduler is not null)
                    {
                        o.TaskScheduler = scheduler;
                    }
                });
        }
        else
        {
            builder = ToolPipeline.CreateBuilder(Model(scenario, conversation, clock))
                .WithTimeProvider(clock)
                .WithMaxTurns(conversation.Turns.Count + 4)
                .Configure(o => o.Execution.DeduplicateCalls = false)
                .WithStrategy(strategy);
            if (strategy is ExecutionStrategy.Await or ExecutionStrategy.Futures)
            {
                // ToolFlow's modes run every closed call at once, as the lower bound assumes.
                builder.WithMaxConcurrency(DataflowBlockOptions.Unbounded);
            }

            if (scheduler is not null)
            {
                builder.Configure(o => o.TaskScheduler = scheduler);
            }
        }

        foreach (ScenarioTool tool in scenario.Tools.Values)
        {
            builder.AddTool(new ToolDescriptor(new ScenarioFunction(tool.Name, index, realization, clock), ToolEffects.ReadOnly)
            {
                Retry = tool.MaxRetries > 0 ? new ToolRetryPolicy { MaxRetryAttempts = tool.MaxRetries, BaseDelay = tool.RetryBaseDelay, UseJitter = false } : null,
            });
        }

        ToolPipeline pipeline = builder.Build();
        await foreach (ToolPipelineEvent @event in pipeline.RunAsync([new ChatMessage(ChatRole.User, conversation.Prompt)], cancellationToken).ConfigureAwait(false))
        {
            timeline.Record(@event);
        }
    }

    /// <summary>
    /// The scripted model of a conversation, the same for every strategy: turn N speaks the conversation's turn N (past
    /// the last, the answer again), streaming calls as <c>Microsoft.Extensions.AI.OpenAI</c> does, fragments then
    /// whole calls, so ToolFlow and the real libraries read the same stream.
    /// </summary>
    internal static ScriptedChatClient Model(Scenario scenario, ScenarioConversation conversation, TimeProvider clock)
    {
        ScriptedResponse[] responses = [.. conversation.Turns.Select(t => ScenarioRendering.Response(conversation, t))];
        return new ScriptedChatClient(m => responses[Math.Min(ScriptedChatClient.TurnOf(m), responses.Length) - 1], ScenarioRendering.ModelOptions(scenario, clock));
    }
}
