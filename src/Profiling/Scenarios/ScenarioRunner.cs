using Microsoft.Extensions.AI;
using ToolFlow.Blocks;
using ToolFlow.Pipeline;

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

        return await RunAsync(scenario, strategy, ScenarioRealization.Sample(scenario, seed), null, null, timeProvider, scheduler, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs the scenario once with each tool's body where <paramref name="route"/> puts it (on another node, for
    /// instance): the same draw as <see cref="RunAsync(Scenario, ExecutionStrategy, int, TimeProvider, TaskScheduler?, CancellationToken)"/>
    /// with the same seed, so the two runs compare.
    /// </summary>
    /// <param name="scenario">The scenario.</param>
    /// <param name="strategy">A strategy ToolFlow's pipeline runs (not a real library's: those call their own tools).</param>
    /// <param name="seed">The draw's seed.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="route">Gives the function the pipeline calls for each scenario tool of each conversation.</param>
    /// <param name="scheduler">The scheduler the meshes run on, or <see langword="null"/> for the default.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>The run.</returns>
    /// <exception cref="ArgumentException">The strategy runs a real library, or is plan for a scenario that is not a plan.</exception>
    public static async Task<ScenarioRun> RunRoutedAsync(
        Scenario scenario,
        ExecutionStrategy strategy,
        int seed,
        TimeProvider timeProvider,
        ScenarioToolRoute route,
        TaskScheduler? scheduler = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(route);
        if (strategy.RealLibrary() is { } library)
        {
            throw new ArgumentException($"The strategy '{strategy.ToName()}' runs {library} with its own tools; only ToolFlow's strategies take a tool route.", nameof(strategy));
        }

        // A plan strategy on a scenario that is no plan is refused where each conversation's pipeline is built.

        return await RunAsync(scenario, strategy, ScenarioRealization.Sample(scenario, seed), null, route, timeProvider, scheduler, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs the scenario once on a draw already made, with its overloadable tools at <paramref name="width"/> and its
    /// tools' bodies where <paramref name="route"/> puts them, if given.
    /// </summary>
    internal static async Task<ScenarioRun> RunAsync(
        Scenario scenario,
        ExecutionStrategy strategy,
        ScenarioRealization realization,
        ConcurrencyWidth? width,
        ScenarioToolRoute? route,
        TimeProvider timeProvider,
        TaskScheduler? scheduler,
        CancellationToken cancellationToken)
    {
        int seed = realization.Seed;
        DateTimeOffset origin = timeProvider.GetUtcNow();
        long start = timeProvider.GetTimestamp();
        var timelines = new RunTimeline[scenario.Conversations.Count];
        var runs = new Task[scenario.Conversations.Count];
        for (int c = 0; c < runs.Length; c++)
        {
            timelines[c] = new RunTimeline(origin, scenario.Conversations[c].Name);
            int index = c;
            runs[c] = scheduler is null
                ? RunConversationAsync(scenario, index, strategy, realization, width, route, timeProvider, scheduler, timelines[index], start, cancellationToken)

                // The real libraries take no scheduler and resume on the one current when they start (their awaits
                // capture it): start every run on the one given, so virtual time drives them.
                : Task.Factory.StartNew(
                    () => RunConversationAsync(scenario, index, strategy, realization, width, route, timeProvider, scheduler, timelines[index], start, cancellationToken),
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
        ConcurrencyWidth? width,
        ScenarioToolRoute? route,
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

        ScenarioPipeline scenarioPipeline = ScenarioPipeline.Create(scenario, index, strategy, realization, clock, width, route);
        if (scheduler is not null)
        {
            scenarioPipeline.Builder.Configure(o => o.TaskScheduler = scheduler);
        }

        ToolPipeline pipeline = scenarioPipeline.Builder.Build();
        await foreach (ToolPipelineEvent @event in pipeline.RunAsync([new ChatMessage(ChatRole.User, scenarioPipeline.Prompt)], cancellationToken).ConfigureAwait(false))
        {
            timeline.Record(@event);
        }
    }
}
