using System.Threading.Tasks.Dataflow;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;
using ToolFlow.Pipeline;
using ToolFlow.Providers.Scripted;

namespace ToolFlow.Profiling;

/// <summary>
/// One conversation of a scenario as a ToolFlow pipeline: the scripted model that speaks its turns and the scenario's
/// tools on a clock, ready to build and run (for example as a chat, or by <see cref="ScenarioRunner"/>).
/// </summary>
public sealed class ScenarioPipeline
{
    private ScenarioPipeline(ToolPipelineBuilder builder, string prompt, string conversationName)
    {
        Builder = builder;
        Prompt = prompt;
        ConversationName = conversationName;
    }

    /// <summary>
    /// The configured builder: the scripted model, the scenario's tools (read-only, with their retry policies), the
    /// clock and the strategy. Add to it (a scheduler, approvals, ...) before building.
    /// </summary>
    public ToolPipelineBuilder Builder { get; }

    /// <summary>The conversation's user message.</summary>
    public string Prompt { get; }

    /// <summary>The conversation's name in the scenario.</summary>
    public string ConversationName { get; }

    /// <summary>The number of conversations in a scenario, the bound of <c>conversationIndex</c> in <see cref="Create(Scenario, int, ExecutionStrategy, int, TimeProvider)"/>.</summary>
    /// <param name="scenario">The scenario.</param>
    /// <returns>The count.</returns>
    public static int ConversationCount(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        return scenario.Conversations.Count;
    }

    /// <summary>Configures a pipeline that runs one conversation of a scenario.</summary>
    /// <param name="scenario">The scenario.</param>
    /// <param name="conversationIndex">The conversation's position in the scenario, from 0.</param>
    /// <param name="strategy">
    /// A strategy ToolFlow's pipeline runs: await, futures, sequential, after-decode, or plan (plan scenarios only).
    /// </param>
    /// <param name="seed">The seed of the tools' latencies and failures; the same seed gives the same work.</param>
    /// <param name="timeProvider">The clock the model streams and the tools wait on.</param>
    /// <returns>The builder and the prompt.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The scenario has no conversation at <paramref name="conversationIndex"/>.</exception>
    /// <exception cref="ArgumentException">The strategy runs a real library, or is plan for a scenario that is not a plan.</exception>
    public static ScenarioPipeline Create(Scenario scenario, int conversationIndex, ExecutionStrategy strategy, int seed, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        return Create(scenario, conversationIndex, strategy, ScenarioRealization.Sample(scenario, seed), timeProvider);
    }

    /// <summary>
    /// Configures a pipeline on a draw already made, so every conversation of a run shares it; <paramref name="width"/>
    /// sets how wide each overloadable tool runs (else as the strategy runs every tool).
    /// </summary>
    internal static ScenarioPipeline Create(Scenario scenario, int conversationIndex, ExecutionStrategy strategy, ScenarioRealization realization, TimeProvider timeProvider, ConcurrencyWidth? width = null, ScenarioToolRoute? route = null)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentOutOfRangeException.ThrowIfNegative(conversationIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(conversationIndex, scenario.Conversations.Count);
        if (strategy.RealLibrary() is { } library)
        {
            throw new ArgumentException($"The strategy '{strategy.ToName()}' runs {library}, not a ToolFlow pipeline.", nameof(strategy));
        }

        if (!strategy.AppliesTo(scenario))
        {
            throw new ArgumentException($"The scenario '{scenario.Name}' is not a plan; plan mode does not apply.", nameof(strategy));
        }

        ScenarioConversation conversation = scenario.Conversations[conversationIndex];
        ScriptedModelOptions options = ScenarioRendering.ModelOptions(scenario, timeProvider);
        ToolPipelineBuilder builder;
        if (strategy == ExecutionStrategy.Plan)
        {
            // A planner streams the first turn as a plan; the answering model then speaks the last turn.
            ScriptedResponse answer = ScenarioRendering.Response(conversation, conversation.Turns[^1]);
            var planner = new ScriptedChatClient([new ScriptedResponse().Text(ScenarioRendering.PlanText(conversation))], options);
            var answerer = new ScriptedChatClient(_ => answer, options);
            builder = ToolPipeline.CreateBuilder(answerer)
                .WithTimeProvider(timeProvider)
                .WithStrategy(ExecutionStrategy.Plan)
                .WithMaxConcurrency(DataflowBlockOptions.Unbounded)
                .Configure(o =>
                {
                    o.Planner = planner;
                    o.MaxReplans = 0;
                    o.Execution.DeduplicateCalls = false;
                });
        }
        else
        {
            builder = ToolPipeline.CreateBuilder(Model(scenario, conversation, timeProvider))
                .WithTimeProvider(timeProvider)
                .WithMaxTurns(conversation.Turns.Count + 4)
                .Configure(o => o.Execution.DeduplicateCalls = false)
                .WithStrategy(strategy);
            if (strategy is ExecutionStrategy.Await or ExecutionStrategy.Futures)
            {
                // ToolFlow's modes run every closed call at once, as the lower bound assumes.
                builder.WithMaxConcurrency(DataflowBlockOptions.Unbounded);
            }
        }

        foreach (ScenarioTool tool in scenario.Tools.Values)
        {
            AIFunction function = new ScenarioFunction(tool.Name, conversationIndex, realization, timeProvider, tool.Overload);
            function = route is null ? function : Routed(route(function, conversationIndex), tool.Name);
            ToolRetryPolicy? retry = tool.MaxRetries > 0 ? new ToolRetryPolicy { MaxRetryAttempts = tool.MaxRetries, BaseDelay = tool.RetryBaseDelay, UseJitter = false } : null;
            builder.AddTool(tool.Overload is null ? new ToolDescriptor(function, ToolEffects.ReadOnly) { Retry = retry } : Overloadable(function, retry, width));
        }

        return new ScenarioPipeline(builder, conversation.Prompt, conversation.Name);
    }

    // An overloadable tool is retried after every rejection (up to the loader's largest count), so widths compare on the
    // same calls; the width decides how many run at once.
    // The model calls the tool by its name: a route that renamed it would leave every call unknown.
    private static AIFunction Routed(AIFunction function, string name) =>
        function?.Name == name ? function : throw new InvalidOperationException($"The tool route gave '{function?.Name}' for the scenario tool '{name}': it must keep the tool's name.");

    private static ToolDescriptor Overloadable(AIFunction function, ToolRetryPolicy? retry, ConcurrencyWidth? width) => new(function, ToolEffects.ReadOnly)
    {
        Retry = retry,
        MaxRateLimitRetries = ScenarioLoader.MaxCount,
        MaxConcurrency = width?.Cap ?? DataflowBlockOptions.Unbounded,
        AdaptiveConcurrency = width is { Cap: null } ? new AdaptiveConcurrencyLimit() : null,
    };

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
