using System.Text.Json;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;
using ToolFlow.Providers.Scripted;
using ToolFlow.Testing;

namespace ToolFlow.Pipeline.Tests;

/// <summary>
/// Pipelines as tools (<see cref="ToolPipeline.AsTool"/>) on the manual clock: a parent fanning out to sub-agents on
/// one shared executor, their events in the parent's run, cancellation, the depth limit and children without answers.
/// </summary>
public sealed class AgentFunctionTests
{
    private static readonly TimeSpan WorkLatency = TimeSpan.FromMilliseconds(200);
    private readonly ManualTimeProvider _clock = new();
    private readonly ManualTaskScheduler _scheduler = new();
    private double? _childCancelledAt;

    private ScriptedModelOptions Speed => new() { TimeProvider = _clock, TimeToFirstToken = TimeSpan.FromMilliseconds(100), TokensPerSecond = 50 };

    private ToolPipelineBuilder Builder(IChatClient model) =>
        ToolPipeline.CreateBuilder(model).WithTimeProvider(_clock).Configure(o => o.TaskScheduler = _scheduler);

    private double Ms(ToolPipelineEvent e) => (e.Timestamp - _clock.Epoch).TotalMilliseconds;

    private List<ToolPipelineEvent> Run(ToolPipeline pipeline, Func<ToolPipelineRun, ToolPipelineEvent, Task>? onEvent = null)
    {
        var events = new List<ToolPipelineEvent>();
        VirtualTime.Run(_clock, _scheduler, async () =>
        {
            await using ToolPipelineRun run = pipeline.Start([new ChatMessage(ChatRole.User, "go")]);
            await foreach (ToolPipelineEvent e in run.Events)
            {
                events.Add(e);
                if (onEvent is not null)
                {
                    await onEvent(run, e);
                }
            }
        });
        return events;
    }

    private static string? ResultText(IEnumerable<ChatMessage> messages) =>
        messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Select(r => r.Result is JsonElement j ? j.ToString() : r.Result?.ToString()).LastOrDefault();

    private static bool HasResults(IReadOnlyList<ChatMessage> messages) => messages.Any(m => m.Contents.OfType<FunctionResultContent>().Any());

    // A child that calls "work" twice, then answers with its name.
    private ToolPipeline Child(string name, AIFunction work, Action<ToolPipelineOptions>? configure = null) =>
        Builder(new ScriptedChatClient(
            messages => HasResults(messages)
                ? new ScriptedResponse().Text($"answer from {name}")
                : new ScriptedResponse().Text("Working.").Call("work", """{"part": 1}""").Call("work", """{"part": 2}"""),
            Speed))
        .AddTool(work, ToolEffects.ReadOnly)
        .Configure(o => configure?.Invoke(o))
        .Build();

    // A parent that calls "agent" once, then says what it is given.
    private ScriptedChatClient AskOnce(string answer) => new(
        messages => HasResults(messages) ? new ScriptedResponse().Text(answer) : new ScriptedResponse().Call("agent", """{"task": "wait"}"""),
        Speed);

    // A child whose one tool waits 10 s, noting when its token fires.
    private ToolPipeline WaitingChild()
    {
        AIFunction wait = AIFunctionFactory.Create(
            async (CancellationToken ct) =>
            {
                using CancellationTokenRegistration registration = ct.Register(() => _childCancelledAt = _clock.GetElapsedTime(0).TotalMilliseconds);
                await Task.Delay(TimeSpan.FromSeconds(10), _clock, ct).ConfigureAwait(false);
                return "waited";
            },
            "wait");
        return Builder(new ScriptedChatClient([new ScriptedResponse().Call("wait", "{}"), new ScriptedResponse().Text("never")], Speed))
            .AddTool(wait, ToolEffects.ReadOnly)
            .Build();
    }

    [Fact]
    public void AsTool_ParentFansOutToThreeChildrenOnOneExecutorWithGlobalCapTwo_AllFinishCapsHoldAndEventsCarryTheParentCall()
    {
        var executor = new ToolExecutor(new ToolExecutorOptions { MaxConcurrency = 2, TimeProvider = _clock, TaskScheduler = _scheduler });
        var work = new CountingTool(_clock, WorkLatency);
        string[] names = ["a", "b", "c"];
        ScriptedResponse fanOut = new ScriptedResponse().Text("Asking three researchers.");
        foreach (string name in names)
        {
            fanOut.Call($"agent_{name}", $$"""{"task": "research {{name}}"}""");
        }

        var parentModel = new ScriptedChatClient([fanOut, new ScriptedResponse().Text("Combined.")], Speed);
        ToolPipelineBuilder parent = Builder(parentModel).Configure(o => o.Execution.Executor = executor);
        foreach (string name in names)
        {
            parent.AddTool(Child(name, work).AsToolDescriptor($"agent_{name}", $"Researches {name}."));
        }

        List<ToolPipelineEvent> events = Run(parent.Build());

        RunCompleted completed = Assert.IsType<RunCompleted>(events[^1]);
        Assert.Equal((RunCompletionReason.FinalAnswer, "Combined."), (completed.Reason, completed.FinalText));
        Dictionary<string, ToolCall> agentCalls = events.OfType<ToolCallStarted>().ToDictionary(s => s.Call.Name, s => s.Call);
        Assert.Equal(["agent_a", "agent_b", "agent_c"], agentCalls.Keys.Order());
        Assert.Equal(
            names.Select(n => ($"agent_{n}", $"answer from {n}")),
            events.OfType<ToolCallCompleted>().Select(c => (c.Call.Name, c.Result?.ToString() ?? "")).Order());

        // Six bodies of work ran, never more than the global cap of two at once, and the cap was used.
        Assert.Equal((6, 2), (work.Calls, work.MaxRunning));
        Assert.Equal(0, executor.Running);

        // Each child's events carry its parent's call, never after that call's outcome, numbered in the parent's run.
        List<SubAgentEvent> child = [.. events.OfType<SubAgentEvent>()];
        Assert.All(child, e => Assert.Equal(agentCalls[e.Agent].CallId, e.ParentCall.CallId));
        foreach (string name in names)
        {
            List<ToolPipelineEvent> mine = [.. child.Where(e => e.Agent == $"agent_{name}").Select(e => e.Event)];
            Assert.Equal(2, mine.OfType<ToolCallCompleted>().Count(c => c.Call.Name == "work"));
            Assert.Equal($"answer from {name}", Assert.IsType<RunCompleted>(mine[^1]).FinalText);
            int outcome = events.FindIndex(e => e is ToolCallCompleted c && c.Call.Name == $"agent_{name}");
            Assert.True(events.FindLastIndex(e => e is SubAgentEvent s && s.Agent == $"agent_{name}") < outcome);
        }

        Assert.DoesNotContain(child, e => e.Event is TextDelta);
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Sequence));
    }

    [Fact]
    public void AsTool_GlobalCapOneAndOneConversationSlot_ChildrenStillRunWhileTheirParentCallsWait()
    {
        // Without lending, the parent's one agent call would hold the only slot its child's calls need.
        var executor = new ToolExecutor(new ToolExecutorOptions { MaxConcurrency = 1, TimeProvider = _clock, TaskScheduler = _scheduler });
        var work = new CountingTool(_clock, WorkLatency);
        var parentModel = new ScriptedChatClient(
            [new ScriptedResponse().Call("agent", """{"task": "one"}""").Call("agent", """{"task": "two"}"""), new ScriptedResponse().Text("Both done.")],
            Speed);
        ToolPipeline pipeline = Builder(parentModel)
            .Configure(o => { o.Execution.Executor = executor; o.Execution.MaxConcurrency = 1; })
            .AddTool(Child("x", work).AsTool("agent", "Does a part."))
            .Build();

        List<ToolPipelineEvent> events = Run(pipeline);

        Assert.Equal("Both done.", Assert.IsType<RunCompleted>(events[^1]).FinalText);
        Assert.Equal(2, events.OfType<ToolCallCompleted>().Count());
        Assert.Equal((4, 1), (work.Calls, work.MaxRunning));
    }

    [Fact]
    public void AsTool_CancelParentCallWhileChildToolRuns_ChildToolSeesItsTokenAndParentCallFailsCancelled()
    {
        ToolPipeline pipeline = Builder(AskOnce("Stopped it.")).AddTool(WaitingChild().AsTool("agent", "Waits.")).Build();
        double cancelledAt = 0;
        ToolControlResult? result = null;

        List<ToolPipelineEvent> events = Run(pipeline, (run, e) =>
        {
            if (e is SubAgentEvent { Event: ToolCallStarted { Call.Name: "wait" } } started)
            {
                cancelledAt = Ms(e);
                result = run.CancelCall(started.ParentCall.CallId);
            }

            return Task.CompletedTask;
        });

        Assert.Equal(ToolControlResult.Applied, result);
        ToolCallFailed failed = Assert.Single(events.OfType<ToolCallFailed>());
        Assert.Equal(("agent", ToolCallFailureKind.Cancelled, cancelledAt), (failed.Call.Name, failed.Kind, Ms(failed)));
        Assert.Equal(cancelledAt, _childCancelledAt);
        Assert.True(events.FindLastIndex(e => e is SubAgentEvent) < events.IndexOf(failed), "no child event after the parent call's outcome");
        Assert.Equal("Stopped it.", Assert.IsType<RunCompleted>(events[^1]).FinalText);
    }

    [Fact]
    public void AsTool_ParentTurnCancelledWhileChildToolRuns_ChildToolSeesItsTokenAndTheRunEndsCleanly()
    {
        ToolPipeline pipeline = Builder(AskOnce("never asked")).AddTool(WaitingChild().AsTool("agent", "Waits.")).Build();
        double cancelledAt = 0;

        List<ToolPipelineEvent> events = Run(pipeline, (run, e) =>
        {
            if (e is SubAgentEvent { Event: ToolCallStarted { Call.Name: "wait" } })
            {
                cancelledAt = Ms(e);
                Assert.Equal(ToolControlResult.Applied, run.CancelTurn());
            }

            return Task.CompletedTask;
        });

        Assert.Equal(ToolCallFailureKind.Cancelled, Assert.Single(events.OfType<ToolCallFailed>()).Kind);
        Assert.Equal(cancelledAt, _childCancelledAt);
        Assert.Equal(RunCompletionReason.TurnCancelled, Assert.IsType<RunCompleted>(events[^1]).Reason);
    }

    [Fact]
    public void AsToolDescriptor_ParentCallTimesOut_ChildRunCancelledWithIt()
    {
        ScriptedChatClient parentModel = AskOnce("Gave up.");
        ToolPipeline child = WaitingChild();
        ToolDescriptor agent = child.AsToolDescriptor("agent", "Waits.", new AgentToolOptions { Timeout = TimeSpan.FromSeconds(1) });

        List<ToolPipelineEvent> events = Run(Builder(parentModel).AddTool(agent).Build());

        ToolCallFailed failed = Assert.Single(events.OfType<ToolCallFailed>());
        ToolCallStarted started = events.OfType<ToolCallStarted>().Single(s => s.Call.Name == "agent");
        Assert.Equal(ToolCallFailureKind.TimedOut, failed.Kind);

        // The child's token fires with the timeout, before the parent's call reports it (it does not wait for the child).
        Assert.NotNull(_childCancelledAt);
        Assert.InRange(_childCancelledAt.Value, Ms(started) + 1000, Ms(failed));
        Assert.Equal("Gave up.", Assert.IsType<RunCompleted>(events[^1]).FinalText);
    }

    [Fact]
    public void AsTool_FuturesModeParent_AnswersOnceTheSubAgentsFutureResolves()
    {
        var work = new CountingTool(_clock, WorkLatency);
        var parentModel = new ScriptedChatClient(
            messages => ResultText(messages) is { } r && r.StartsWith("answer", StringComparison.Ordinal) ? new ScriptedResponse().Text($"Final: {r}")
                : HasResults(messages) ? new ScriptedResponse().Text("Still waiting.")
                : new ScriptedResponse().Call("agent", """{"task": "research"}"""),
            Speed);
        ToolPipeline pipeline = Builder(parentModel).WithMode(ToolPipelineMode.Futures).AddTool(Child("x", work).AsTool("agent", "Researches.")).Build();

        List<ToolPipelineEvent> events = Run(pipeline);

        Assert.Equal("answer from x", Assert.Single(events.OfType<FutureResolved>()).Result.Result?.ToString());
        Assert.Equal((RunCompletionReason.FinalAnswer, "Final: answer from x"), (Assert.IsType<RunCompleted>(events[^1]).Reason, Assert.IsType<RunCompleted>(events[^1]).FinalText));
        Assert.Equal(2, work.Calls);
    }

    [Fact]
    public void AsTool_NestedPastMaxAgentDepth_FailsSayingTheLimitAndTheDeeperChildNeverRuns()
    {
        // Every level's model asks the next level down, then passes on what it heard.
        ScriptedChatClient Model() => new(
            messages => HasResults(messages)
                ? new ScriptedResponse().Text($"heard: {ResultText(messages)}")
                : new ScriptedResponse().Call("deeper", """{"task": "go deeper"}"""),
            Speed);
        var deepest = Model();
        ToolPipeline level3 = Builder(deepest).Build();
        ToolPipeline level2 = Builder(Model()).AddTool(level3.AsTool("deeper", "Goes deeper.")).Build();
        ToolPipeline level1 = Builder(Model()).AddTool(level2.AsTool("deeper", "Goes deeper.")).Build();
        ToolPipeline root = Builder(Model()).AddTool(level1.AsTool("deeper", "Goes deeper.")).Configure(o => o.MaxAgentDepth = 2).Build();

        List<ToolPipelineEvent> events = Run(root);

        const string Limit = "The sub-agent 'deeper' was not started: it would run at nesting depth 3, past the limit of 2 (ToolPipelineOptions.MaxAgentDepth).";
        SubAgentEvent nested = Assert.Single(events.OfType<SubAgentEvent>(), e => e.Innermost is ToolCallFailed);
        ToolCallFailed failed = Assert.IsType<ToolCallFailed>(nested.Innermost);
        Assert.Equal((2, Limit), (nested.Depth, failed.Message));
        Assert.Equal(2, nested.CallChain.Count);
        Assert.Empty(deepest.Streams);

        // The model at depth 2 read the reason, and each level passed its answer up.
        Assert.Equal($"heard: heard: heard: Error: {Limit}", Assert.IsType<RunCompleted>(events[^1]).FinalText);
    }

    [Fact]
    public void AsTool_SubAgentWhosePipelineAllowsNoNesting_RunsButCannotStartItsOwn()
    {
        var grandchildModel = new ScriptedChatClient([new ScriptedResponse().Text("never")], Speed);
        ToolPipeline grandchild = Builder(grandchildModel).Build();
        ToolPipeline child = Builder(new ScriptedChatClient(
                messages => HasResults(messages) ? new ScriptedResponse().Text($"heard: {ResultText(messages)}") : new ScriptedResponse().Call("deeper", """{"task": "go"}"""),
                Speed))
            .AddTool(grandchild.AsTool("deeper", "Goes deeper."))
            .Configure(o => o.MaxAgentDepth = 0)
            .Build();

        List<ToolPipelineEvent> events = Run(Builder(AskOnce("done")).AddTool(child.AsTool("agent", "Delegates.")).Build());

        const string Limit = "The sub-agent 'deeper' was not started: it would run at nesting depth 2, past the limit of 0 (ToolPipelineOptions.MaxAgentDepth).";
        Assert.Equal(Limit, Assert.IsType<ToolCallFailed>(Assert.Single(events.OfType<SubAgentEvent>(), e => e.Innermost is ToolCallFailed).Innermost).Message);
        Assert.Equal($"heard: Error: {Limit}", events.OfType<ToolCallCompleted>().Single(c => c.Call.Name == "agent").Result?.ToString());
        Assert.Empty(grandchildModel.Streams);
    }

    [Fact]
    public void AsTool_ChildReachesItsTurnLimit_ParentCallFailsAndItsModelReadsWhy()
    {
        var work = new CountingTool(_clock, WorkLatency);
        ToolPipeline child = Child("x", work, o => o.MaxTurns = 1);
        var parentModel = new ScriptedChatClient(
            messages => HasResults(messages) ? new ScriptedResponse().Text($"Told: {ResultText(messages)}") : new ScriptedResponse().Call("agent", """{"task": "loop"}"""),
            Speed);

        List<ToolPipelineEvent> events = Run(Builder(parentModel).AddTool(child.AsTool("agent", "Loops.")).Build());

        const string Why = "The sub-agent 'agent' ended without an answer: it was still calling tools at its turn limit (MaxTurns = 1).";
        ToolCallFailed failed = Assert.Single(events.OfType<ToolCallFailed>());
        Assert.Equal((ToolCallFailureKind.ToolException, Why), (failed.Kind, failed.Message));
        Assert.Equal($"Told: Error: {Why}", Assert.IsType<RunCompleted>(events[^1]).FinalText);
    }

    [Fact]
    public void AsTool_ChildModelFails_ParentCallFailsWithTheErrorAndItsModelReadsOnlyThatItFailed()
    {
        ToolPipeline child = Builder(new FailingChatClient()).Build();

        List<ToolPipelineEvent> events = Run(Builder(AskOnce("done")).AddTool(child.AsTool("agent", "Fails.")).Build());

        const string Why = "The sub-agent 'agent' ended without an answer: its model's response failed.";
        Assert.Equal($"{Why} model down", Assert.Single(events.OfType<ToolCallFailed>()).Message);
        Assert.Equal($"Error: {Why}", events.OfType<RunCompleted>().Single().Messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Single().Result?.ToString());
    }

    [Theory]
    [InlineData("{}", "The sub-agent 'agent' needs a 'task': say what it should do.")]
    [InlineData("""{"task": "  "}""", "The sub-agent 'agent' needs a 'task': say what it should do.")]
    [InlineData("""{"task": 42}""", "The sub-agent 'agent' takes 'task' as a string; it was given a JSON number.")]
    public void AsTool_TaskMissingOrNotText_FailsClearlyAndNoChildRuns(string arguments, string expected)
    {
        var childModel = new ScriptedChatClient([new ScriptedResponse().Text("never")], Speed);
        ToolPipeline child = Builder(childModel).Build();
        var parentModel = new ScriptedChatClient(
            messages => HasResults(messages) ? new ScriptedResponse().Text($"Told: {ResultText(messages)}") : new ScriptedResponse().Call("agent", arguments),
            Speed);

        List<ToolPipelineEvent> events = Run(Builder(parentModel).AddTool(child.AsTool("agent", "Does it.")).Build());

        Assert.Equal($"Told: Error: {expected}", Assert.IsType<RunCompleted>(events[^1]).FinalText);
        Assert.Empty(childModel.Streams);
    }

    [Fact]
    public void AsTool_ForwardingAllWithSummary_ChildTextDeltasSurfaceAndTheResultSaysHowCallsEnded()
    {
        var work = new CountingTool(_clock, WorkLatency);
        var parentModel = new ScriptedChatClient([new ScriptedResponse().Call("agent", """{"task": "t", "context": "c"}"""), new ScriptedResponse().Text("ok")], Speed);
        var options = new AgentToolOptions { Events = SubAgentEventForwarding.All, IncludeCallSummary = true };
        string? asked = null;
        ToolPipeline child = Builder(new ScriptedChatClient(
                messages =>
                {
                    asked ??= messages[0].Text;
                    return HasResults(messages) ? new ScriptedResponse().Text("done") : new ScriptedResponse().Call("work", "{}");
                },
                Speed))
            .AddTool(work, ToolEffects.ReadOnly)
            .Build();

        List<ToolPipelineEvent> events = Run(Builder(parentModel).AddTool(child.AsTool("agent", "Does it.", options)).Build());

        Assert.Contains(events, e => e is SubAgentEvent { Event: TextDelta });
        Assert.Equal("done\n\n[agent: 2 turn(s), 1 call(s) completed, 0 failed]", events.OfType<ToolCallCompleted>().Single().Result?.ToString());
        Assert.Equal("t\n\nContext:\nc", asked);
    }

    [Fact]
    public void AsToolDescriptor_EffectsAreTheUnionOfTheChildsTools()
    {
        var work = new CountingTool(_clock, WorkLatency);
        ToolPipeline readOnly = Builder(new ScriptedChatClient([], Speed)).AddTool(work, ToolEffects.ReadOnly).Build();
        ToolPipeline mixed = Builder(new ScriptedChatClient([], Speed)).AddTool(work, ToolEffects.ReadOnly).AddTool(new CountingTool(_clock, WorkLatency, "write"), ToolEffects.SideEffecting).Build();
        ToolPipeline idempotent = Builder(new ScriptedChatClient([], Speed)).AddTool(work, ToolEffects.Idempotent).Build();

        Assert.Equal(ToolEffects.ReadOnly, readOnly.AsToolDescriptor("a", "d").Effects);
        Assert.Equal(ToolEffects.SideEffecting, mixed.AsToolDescriptor("a", "d").Effects);
        Assert.Equal(ToolEffects.Idempotent, idempotent.AsToolDescriptor("a", "d").Effects);
        Assert.Equal(ToolEffects.ReadOnly, mixed.AsToolDescriptor("a", "d", new AgentToolOptions { Effects = ToolEffects.ReadOnly }).Effects);
        Assert.Equal(ToolEffects.ReadOnly, ToolDescriptor.FromMetadata(readOnly.AsTool("a", "d")).Effects);
        ToolDescriptor capped = readOnly.AsToolDescriptor("a", "d", new AgentToolOptions { MaxConcurrency = 3, Timeout = TimeSpan.FromSeconds(5) });
        Assert.Equal((3, TimeSpan.FromSeconds(5)), (capped.MaxConcurrency, capped.Timeout));
        Assert.Throws<ArgumentException>(() => readOnly.AsTool(" ", "d"));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ToolPipelineOptions().MaxAgentDepth = -1);
        Assert.Throws<ArgumentOutOfRangeException>(() => new AgentToolOptions().Timeout = TimeSpan.Zero);
        Assert.Throws<ArgumentOutOfRangeException>(() => new AgentToolOptions().MaxConcurrency = 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => new AgentToolOptions().Events = (SubAgentEventForwarding)7);
    }

    /// <summary>A model whose every request fails.</summary>
    private sealed class FailingChatClient : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("model down");

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("model down");

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }

    /// <summary>A tool that counts its bodies running at once, each taking its latency on the clock.</summary>
    private sealed class CountingTool(ManualTimeProvider clock, TimeSpan latency, string name = "work") : AIFunction
    {
        private readonly object _lock = new();
        private int _running;

        public override string Name => name;

        public int MaxRunning { get; private set; }

        public int Calls { get; private set; }

        protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
        {
            lock (_lock)
            {
                MaxRunning = Math.Max(MaxRunning, ++_running);
            }

            try
            {
                await Task.Delay(latency, clock, cancellationToken).ConfigureAwait(false);
                return "worked";
            }
            finally
            {
                lock (_lock)
                {
                    _running--;
                    Calls++;
                }
            }
        }
    }
}
