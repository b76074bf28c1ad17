using System.Text.Json;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;
using ToolFlow.Providers.Scripted;
using ToolFlow.Testing;

namespace ToolFlow.Pipeline.Tests;

/// <summary>
/// The run handle on the manual clock: the test reads the events and acts on the run the moment an event tells it
/// to, as a UI would, so every control lands at an exact virtual instant.
/// </summary>
public sealed class ToolPipelineRunTests
{
    private readonly ManualTimeProvider _clock = new();
    private readonly ManualTaskScheduler _scheduler = new();

    private static IReadOnlyList<ChatMessage> Ask(string text) => [new(ChatRole.User, text)];

    private ScriptedModelOptions Speed => new() { TimeProvider = _clock, TimeToFirstToken = TimeSpan.FromMilliseconds(100), TokensPerSecond = 50 };

    private ToolPipelineBuilder Builder(IChatClient model) =>
        ToolPipeline.CreateBuilder(model).WithTimeProvider(_clock).Configure(o => o.TaskScheduler = _scheduler);

    private double Ms(ToolPipelineEvent e) => (e.Timestamp - _clock.Epoch).TotalMilliseconds;

    /// <summary>Starts the run and reads it to the end, calling <paramref name="onEvent"/> on each event as it arrives.</summary>
    private List<ToolPipelineEvent> Run(ToolPipeline pipeline, Func<ToolPipelineRun, ToolPipelineEvent, Task> onEvent, Action<ToolPipelineRun>? afterwards = null)
    {
        var events = new List<ToolPipelineEvent>();
        VirtualTime.Run(_clock, _scheduler, async () =>
        {
            await using ToolPipelineRun run = pipeline.Start(Ask("go"));
            await foreach (ToolPipelineEvent e in run.Events)
            {
                events.Add(e);
                await onEvent(run, e);
            }

            afterwards?.Invoke(run);
        });
        return events;
    }

    private static ScriptedResponse ThreeCalls() => ToolPipelineTests.ThreeCalls();

    private static string? ResultText(IEnumerable<ChatMessage> messages, string callId) =>
        messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Where(r => r.CallId == callId).Select(r => r.Result is JsonElement j ? j.ToString() : r.Result?.ToString()).LastOrDefault();

    [Fact]
    public void CancelCall_RunningCallMidStream_OthersFinishAndTheAnswerArrives()
    {
        var model = new ScriptedChatClient([ThreeCalls(), new ScriptedResponse().Text("Two of three are back.")], Speed);
        ToolPipeline pipeline = Builder(model).AddTools(["slow", "fast", "medium"], new TestTools(_clock)).Build();
        var results = new List<ToolControlResult>();
        double cancelledAt = 0;

        List<ToolPipelineEvent> events = Run(pipeline, (run, e) =>
        {
            if (e is ToolCallStarted { Call.Name: "fast" })
            {
                // The slow call has been running since its own close; the model is still talking.
                cancelledAt = Ms(e);
                results.Add(run.CancelCall("call_t1_0"));
                results.Add(run.CancelCall("call_t1_0"));
            }

            return Task.CompletedTask;
        });

        Assert.Equal([ToolControlResult.Applied, ToolControlResult.CallEnded], results);
        ToolCallFailed slow = Assert.Single(events.OfType<ToolCallFailed>());
        Assert.Equal(("slow", ToolCallFailureKind.Cancelled, cancelledAt), (slow.Call.Name, slow.Kind, Ms(slow)));
        Assert.True(cancelledAt < Ms(events.OfType<ResponseCompleted>().First()), "cancelled mid-stream");
        Assert.Equal(["fast", "medium"], events.OfType<ToolCallCompleted>().Select(c => c.Call.Name));

        RunCompleted completed = Assert.IsType<RunCompleted>(events[^1]);
        Assert.Equal((RunCompletionReason.FinalAnswer, "Two of three are back."), (completed.Reason, completed.FinalText));
        Assert.Contains("cancelled", ResultText(completed.Messages, "call_t1_0"), StringComparison.Ordinal);
        Assert.Equal("fast-result", ResultText(completed.Messages, "call_t1_1"));
    }

    [Fact]
    public void CancelBranch_CallAndItsFutureDependent_BothCancelledTheOtherRunsAndTheAnswerArrives()
    {
        ScriptedResponse first = new ScriptedResponse()
            .Text("Fetching, then summarizing what comes back.")
            .Call("slow", """{"q": "report"}""")
            .Call("fast", """{"q": {"$future": "call_t1_0"}}""")
            .Call("medium", """{"q": "other"}""")
            .Text(" Done asking.");
        var model = new ScriptedChatClient([first, new ScriptedResponse().Text("Only the other one.")], Speed);
        ToolPipeline pipeline = Builder(model).AddTools(["slow", "fast", "medium"], new TestTools(_clock)).Build();
        var results = new List<ToolControlResult>();

        List<ToolPipelineEvent> events = Run(
            pipeline,
            (run, e) =>
            {
                if (e is ToolCallWaiting { Call.Name: "fast", Reason: ToolCallWaitReason.Dependencies })
                {
                    results.Add(run.CancelBranch("call_t1_0"));
                }

                return Task.CompletedTask;
            },
            run =>
            {
                results.Add(run.CancelBranch("call_t1_0"));
                results.Add(run.CancelBranch("call_t9_9"));
            });

        Assert.Equal([ToolControlResult.Applied, ToolControlResult.CallEnded, ToolControlResult.UnknownCall], results);
        Assert.Equal(
            [("slow", ToolCallFailureKind.Cancelled), ("fast", ToolCallFailureKind.Cancelled)],
            events.OfType<ToolCallFailed>().Select(f => (f.Call.Name, f.Kind)));
        Assert.DoesNotContain(events, e => e is ToolCallStarted { Call.Name: "fast" });
        Assert.Equal(["medium"], events.OfType<ToolCallCompleted>().Select(c => c.Call.Name));
        RunCompleted completed = Assert.IsType<RunCompleted>(events[^1]);
        Assert.Equal((RunCompletionReason.FinalAnswer, "Only the other one."), (completed.Reason, completed.FinalText));
    }

    [Fact]
    public void CancelBranch_PlanStepAndTheStepsThatReferToIt_CancelledWhileTheOtherStepsRun()
    {
        const string Plan = """
            1. search("first")
            2. search("second")
            3. math("combine", ["$1"])
            4. join()<END_OF_PLAN>
            """;
        var planner = new ScriptedChatClient([new ScriptedResponse().Text(Plan)], Speed);
        var answerer = new ScriptedChatClient(messages => new ScriptedResponse().Text("Answered."), Speed);
        ToolPipeline pipeline = Builder(answerer).WithMode(ToolPipelineMode.Plan).Configure(o => o.Planner = planner)
            .AddTool(new SimulatedLatencyFunction(AIFunctionFactory.Create((string query) => $"found {query}", "search"), TimeSpan.FromMilliseconds(900), _clock), ToolEffects.ReadOnly)
            .AddTool(new SimulatedLatencyFunction(AIFunctionFactory.Create((string what, string[] inputs) => "42", "math"), TimeSpan.FromMilliseconds(50), _clock), ToolEffects.ReadOnly)
            .Build();
        ToolControlResult? result = null;
        var ids = new Dictionary<string, string>();

        List<ToolPipelineEvent> events = Run(pipeline, (run, e) =>
        {
            if (e is ToolCallClosed { Call.Label: { } label } closed)
            {
                ids[label] = closed.Call.CallId;
            }

            if (e is ToolCallWaiting { Call.Label: "3" })
            {
                result = run.CancelBranch(ids["1"]);
            }

            return Task.CompletedTask;
        });

        Assert.Equal(ToolControlResult.Applied, result);
        Assert.Equal(
            [("1", ToolCallFailureKind.Cancelled), ("3", ToolCallFailureKind.Cancelled)],
            events.OfType<ToolCallFailed>().Where(f => f.Call.Label is "1" or "3").Select(f => (f.Call.Label, f.Kind)));
        Assert.Contains(events.OfType<ToolCallCompleted>(), c => c.Call.Label == "2");
        Assert.DoesNotContain(events, e => e is ToolCallStarted { Call.Label: "3" });
        Assert.Equal("Answered.", Assert.IsType<RunCompleted>(events[^1]).FinalText);
    }

    [Fact]
    public void CancelTurn_MidStream_StreamStopsCallsAreCancelledAndTheRunEndsCleanlyWithWhatItHas()
    {
        var model = new ScriptedChatClient([ThreeCalls(), new ScriptedResponse().Text("Never asked.")], Speed);
        ToolPipeline pipeline = Builder(model).AddTools(["slow", "fast", "medium"], new TestTools(_clock)).Build();
        var results = new List<ToolControlResult>();
        double cancelledAt = 0;

        List<ToolPipelineEvent> events = Run(
            pipeline,
            (run, e) =>
            {
                if (e is ToolCallStarted { Call.Name: "fast" })
                {
                    cancelledAt = Ms(e);
                    results.Add(run.CancelTurn());
                    results.Add(run.CancelTurn());
                }

                return Task.CompletedTask;
            },
            run => results.Add(run.CancelTurn()));

        Assert.Equal([ToolControlResult.Applied, ToolControlResult.AlreadyCancelled, ToolControlResult.AlreadyCancelled], results);

        // The response ends where it was cut; the third call never closed; the two started calls were cancelled then.
        ResponseCompleted response = Assert.Single(events.OfType<ResponseCompleted>());
        Assert.Equal(cancelledAt, Ms(response));
        Assert.Equal(["slow", "fast"], response.Calls.Select(c => c.Name));
        Assert.Equal(
            [("slow", cancelledAt), ("fast", cancelledAt)],
            events.OfType<ToolCallFailed>().Where(f => f.Kind == ToolCallFailureKind.Cancelled).Select(f => (f.Call.Name, Ms(f))));
        Assert.Empty(events.OfType<ToolCallCompleted>());
        Assert.Single(model.Streams);
        Assert.DoesNotContain(events, e => e is TurnStarted { Turn: 2 });

        RunCompleted completed = Assert.IsType<RunCompleted>(events[^1]);
        Assert.Equal((RunCompletionReason.TurnCancelled, 1), (completed.Reason, completed.Turns));
        Assert.Equal([ChatRole.User, ChatRole.Assistant, ChatRole.Tool], completed.Messages.Select(m => m.Role));
        Assert.StartsWith("Looking up three things at once.", completed.Messages[1].Text, StringComparison.Ordinal);
        Assert.Contains("cancelled", ResultText(completed.Messages, "call_t1_1"), StringComparison.Ordinal);
    }

    [Fact]
    public void CancelTurn_ToolIgnoresItsToken_RunEndsAfterTheGracePeriodAndTheBodyKeepsItsSlot()
    {
        // The tool runs until the test lets it go, whatever its token says; the turn is cancelled the moment it starts.
        var release = new TaskCompletionSource();
        AIFunction stubborn = new StubbornFunction(release.Task);
        var executor = new ToolExecutor(new ToolExecutorOptions { MaxConcurrency = 1, TimeProvider = _clock, TaskScheduler = _scheduler });
        var model = new ScriptedChatClient([new ScriptedResponse().Text("Working.").Call("stubborn", """{"q": "x"}""").Text(" More text."), new ScriptedResponse().Text("Never asked.")], Speed);
        ToolPipeline pipeline = Builder(model)
            .AddTools([stubborn], ToolEffects.ReadOnly)
            .Configure(o =>
            {
                o.Execution.Executor = executor;
                o.Execution.OverrunGracePeriod = TimeSpan.FromSeconds(1);
            })
            .Build();
        double cancelledAt = 0;
        (int Running, int Overrunning, bool DisposedAtOnce) after = default;

        var events = new List<ToolPipelineEvent>();
        VirtualTime.Run(_clock, _scheduler, async () =>
        {
            ToolPipelineRun run = pipeline.Start(Ask("go"));
            await foreach (ToolPipelineEvent e in run.Events)
            {
                events.Add(e);
                if (e is ToolCallStarted)
                {
                    cancelledAt = Ms(e);
                    run.CancelTurn();
                }
            }

            // Disposing never waits for a body; the body still holds the executor's one slot.
            after = (executor.Running, executor.OverrunningBodies, run.DisposeAsync().IsCompleted);
        });
        release.SetResult();

        // The call ends at once and the turn with it; the run's last event waits for the body only the grace period.
        Assert.Equal(cancelledAt, Ms(Assert.Single(events.OfType<ToolCallFailed>(), f => f.Kind == ToolCallFailureKind.Cancelled)));
        Assert.Equal(cancelledAt, Ms(Assert.Single(events.OfType<TurnCompleted>())));
        ToolCallBodyOverran overran = Assert.Single(events.OfType<ToolCallBodyOverran>());
        Assert.Equal((cancelledAt + 1000, TimeSpan.FromSeconds(1)), (Ms(overran), overran.SinceCallEnded));
        RunCompleted completed = Assert.IsType<RunCompleted>(events[^1]);
        Assert.Equal((RunCompletionReason.TurnCancelled, cancelledAt), (completed.Reason, Ms(completed)));
        Assert.Equal((1, 1, true), after);
        Assert.DoesNotContain(events, e => e is ToolCallCompleted or ToolResultDiscarded);
    }

    /// <summary>A tool that ignores its token and returns only when the test releases it.</summary>
    private sealed class StubbornFunction(Task release) : AIFunction
    {
        public override string Name => "stubborn";

        protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
        {
            await release.ConfigureAwait(false);
            return "late";
        }
    }

    [Fact]
    public void CancelTurn_FuturesModeWithAFutureOfAnEarlierTurnRunning_FutureIsCancelledAndNoPlaceholderRemains()
    {
        var model = new ScriptedChatClient(
            messages => ScriptedChatClient.TurnOf(messages) switch
            {
                1 => new ScriptedResponse().Text("Starting the slow one.").Call("slow", """{"q": "report"}"""),
                _ => new ScriptedResponse().Text("While it runs, a long second answer that the user will not wait for."),
            },
            Speed);
        ToolPipeline pipeline = Builder(model).WithMode(ToolPipelineMode.Futures).AddTools(["slow"], new TestTools(_clock)).Build();
        ToolControlResult? result = null;

        List<ToolPipelineEvent> events = Run(pipeline, (run, e) =>
        {
            if (e is TextDelta { Turn: 2 } && result is null)
            {
                result = run.CancelTurn();
            }

            return Task.CompletedTask;
        });

        Assert.Equal(ToolControlResult.Applied, result);
        ToolCallFailed slow = Assert.Single(events.OfType<ToolCallFailed>());
        Assert.Equal(ToolCallFailureKind.Cancelled, slow.Kind);
        FutureResolved resolved = Assert.Single(events.OfType<FutureResolved>());
        Assert.Equal("call_t1_0", resolved.Call.CallId);
        RunCompleted completed = Assert.IsType<RunCompleted>(events[^1]);
        Assert.Equal((RunCompletionReason.TurnCancelled, 2), (completed.Reason, completed.Turns));
        Assert.DoesNotContain("\"future\"", ResultText(completed.Messages, "call_t1_0"), StringComparison.Ordinal);
        Assert.Contains("cancelled", ResultText(completed.Messages, "call_t1_0"), StringComparison.Ordinal);
    }

    [Fact]
    public void CancelTurn_RunAnswered_RunEndedAndNothingChanges()
    {
        var model = new ScriptedChatClient([new ScriptedResponse().Text("Hello.")], Speed);
        ToolPipeline pipeline = Builder(model).Build();
        ToolControlResult? result = null;

        List<ToolPipelineEvent> events = Run(pipeline, (_, _) => Task.CompletedTask, run => result = run.CancelTurn());

        Assert.Equal(ToolControlResult.RunEnded, result);
        Assert.Equal(RunCompletionReason.FinalAnswer, Assert.IsType<RunCompleted>(events[^1]).Reason);
    }

    [Fact]
    public void ApproveAndDeny_FromOutsideWhileEventsStream_ApprovedRunsAtTheDecisionDeniedIsRejected()
    {
        ScriptedResponse first = new ScriptedResponse()
            .Text("Paying both.")
            .Call("pay", """{"amount": 10}""")
            .Call("pay", """{"amount": 5000}""")
            .Call("fast", """{"q": "meanwhile"}""");
        var model = new ScriptedChatClient([first, new ScriptedResponse().Text("Paid the small one.")], Speed);
        var tools = new TestTools(_clock);
        ToolPipeline pipeline = Builder(model)
            .AddTool(new ToolDescriptor(tools.Delayed("pay", TimeSpan.FromMilliseconds(40), "paid"), ToolEffects.Idempotent) { RequiresApproval = true })
            .AddTools(["fast"], tools)
            .WithExternalApproval()
            .Build();
        var results = new List<(string What, ToolControlResult Result)>();
        Task? decisions = null;

        async Task DecideLaterAsync(ToolPipelineRun run)
        {
            // A person takes 250 ms to decide; the events go on streaming meanwhile.
            await Task.Delay(TimeSpan.FromMilliseconds(250), _clock).ConfigureAwait(false);
            results.Add(("approve", run.Approve("call_t1_0")));
            results.Add(("deny", run.Deny("call_t1_1", "Over the limit.")));
            results.Add(("approve twice", run.Approve("call_t1_0")));
            results.Add(("deny after approval", run.Deny("call_t1_0")));
            results.Add(("approve after denial", run.Approve("call_t1_1")));
            results.Add(("deny twice", run.Deny("call_t1_1")));
            results.Add(("unknown", run.Approve("call_x")));
        }

        List<ToolPipelineEvent> events = Run(
            pipeline,
            (run, e) =>
            {
                if (e is ToolCallApprovalRequested { Call.CallId: "call_t1_1" })
                {
                    decisions = DecideLaterAsync(run);
                }
                else if (e is ToolCallStarted { Call.Name: "fast" })
                {
                    results.Add(("approve a call that needs none", run.Approve("call_t1_2")));
                }

                return Task.CompletedTask;
            },
            run =>
            {
                results.Add(("approve after the end", run.Approve("call_t1_0")));
                results.Add(("approve fast after the end", run.Approve("call_t1_2")));
            });

        Assert.True(decisions!.IsCompletedSuccessfully);
        double askedAt = Ms(events.OfType<ToolCallApprovalRequested>().Last());
        Assert.Equal(
            [
                ("approve a call that needs none", ToolControlResult.NotAwaitingApproval),
                ("approve", ToolControlResult.Applied), ("deny", ToolControlResult.Applied),
                ("approve twice", ToolControlResult.AlreadyApproved), ("deny after approval", ToolControlResult.AlreadyApproved),
                ("approve after denial", ToolControlResult.AlreadyDenied), ("deny twice", ToolControlResult.AlreadyDenied),
                ("unknown", ToolControlResult.UnknownCall),
                ("approve after the end", ToolControlResult.AlreadyApproved), ("approve fast after the end", ToolControlResult.CallEnded),
            ],
            results);

        Assert.Equal(
            [("call_t1_0", ToolCallWaitReason.Approval), ("call_t1_1", ToolCallWaitReason.Approval)],
            events.OfType<ToolCallWaiting>().Select(w => (w.Call.CallId, w.Reason)));
        ToolCallStarted paid = events.OfType<ToolCallStarted>().Single(s => s.Call.Name == "pay");
        Assert.Equal(("call_t1_0", askedAt + 250), (paid.Call.CallId, Ms(paid)));
        ToolCallFailed denied = Assert.Single(events.OfType<ToolCallFailed>());
        Assert.Equal(("call_t1_1", ToolCallFailureKind.Rejected, askedAt + 250), (denied.Call.CallId, denied.Kind, Ms(denied)));
        Assert.Contains("Over the limit.", denied.Message, StringComparison.Ordinal);
        Assert.Equal("Paid the small one.", Assert.IsType<RunCompleted>(events[^1]).FinalText);
    }

    [Fact]
    public void Approve_CallCancelledWhileAwaitingApproval_CallEndedAndNothingRuns()
    {
        var model = new ScriptedChatClient([new ScriptedResponse().Call("pay", """{"amount": 1}"""), new ScriptedResponse().Text("Not paid.")], Speed);
        var tools = new TestTools(_clock);
        ToolPipeline pipeline = Builder(model)
            .AddTool(new ToolDescriptor(tools.Delayed("pay", TimeSpan.Zero, "paid"), ToolEffects.Idempotent) { RequiresApproval = true })
            .WithExternalApproval()
            .Build();
        var results = new List<ToolControlResult>();

        List<ToolPipelineEvent> events = Run(pipeline, (run, e) =>
        {
            if (e is ToolCallApprovalRequested asked)
            {
                results.Add(run.CancelCall(asked.Call.CallId));
                results.Add(run.Approve(asked.Call.CallId));
                results.Add(run.Deny(asked.Call.CallId));
            }

            return Task.CompletedTask;
        });

        Assert.Equal([ToolControlResult.Applied, ToolControlResult.CallEnded, ToolControlResult.CallEnded], results);
        Assert.Equal(ToolCallFailureKind.Cancelled, Assert.Single(events.OfType<ToolCallFailed>()).Kind);
        Assert.Empty(tools.Invocations);
        Assert.Equal("Not paid.", Assert.IsType<RunCompleted>(events[^1]).FinalText);
    }

    [Fact]
    public void Approve_HandlerAndExternalApproval_FirstDecisionWinsAndTheHandlersLateAnswerIsIgnored()
    {
        var model = new ScriptedChatClient([new ScriptedResponse().Call("pay", """{"amount": 1}"""), new ScriptedResponse().Text("Paid.")], Speed);
        var tools = new TestTools(_clock);
        CancellationToken handlerToken = default;
        ToolPipeline pipeline = Builder(model)
            .AddTool(new ToolDescriptor(tools.Delayed("pay", TimeSpan.Zero, "paid"), ToolEffects.Idempotent) { RequiresApproval = true })
            .WithExternalApproval()
            .Configure(o => o.Execution.ApprovalHandler = async (call, token) =>
            {
                // A slow policy service that would deny; the person answers first.
                handlerToken = token;
                await Task.Delay(TimeSpan.FromSeconds(5), _clock, token).ConfigureAwait(false);
                return false;
            })
            .Build();
        ToolControlResult? result = null;

        List<ToolPipelineEvent> events = Run(pipeline, (run, e) =>
        {
            if (e is ToolCallApprovalRequested asked)
            {
                result = run.Approve(asked.Call.CallId);
            }

            return Task.CompletedTask;
        });

        Assert.Equal(ToolControlResult.Applied, result);
        Assert.True(handlerToken.IsCancellationRequested, "the handler learns its answer is moot");
        Assert.Single(events.OfType<ToolCallCompleted>());
        Assert.Empty(events.OfType<ToolCallFailed>());
        Assert.Equal("Paid.", Assert.IsType<RunCompleted>(events[^1]).FinalText);
    }

    [Fact]
    public void CancelCall_UnknownAndFinishedCalls_NothingChanges()
    {
        var model = new ScriptedChatClient([new ScriptedResponse().Call("fast", """{"q": 1}"""), new ScriptedResponse().Text("Done.")], Speed);
        ToolPipeline pipeline = Builder(model).AddTools(["fast"], new TestTools(_clock)).Build();
        var results = new List<ToolControlResult>();

        List<ToolPipelineEvent> events = Run(
            pipeline,
            (run, e) =>
            {
                if (e is ToolCallCompleted done)
                {
                    results.Add(run.CancelCall(done.Call.CallId));
                    results.Add(run.CancelBranch(done.Call.CallId));
                    results.Add(run.CancelCall("no_such_call"));
                    results.Add(run.Deny(done.Call.CallId));
                }

                return Task.CompletedTask;
            });

        Assert.Equal([ToolControlResult.CallEnded, ToolControlResult.CallEnded, ToolControlResult.UnknownCall, ToolControlResult.CallEnded], results);
        Assert.Empty(events.OfType<ToolCallFailed>());
        Assert.Equal("fast-result", ResultText(Assert.IsType<RunCompleted>(events[^1]).Messages, "call_t1_0"));
    }

    [Fact]
    public void Cancel_WholeRunMidStream_ReadingEndsCancelledAndToolsStop()
    {
        var model = new ScriptedChatClient([ThreeCalls(), new ScriptedResponse().Text("Never asked.")], Speed);
        var tools = new TestTools(_clock);
        ToolPipeline pipeline = Builder(model).AddTools(["slow", "fast", "medium"], tools).Build();
        Exception? error = null;
        Task<RunCompleted>? completion = null;

        VirtualTime.Run(_clock, _scheduler, async () =>
        {
            await using ToolPipelineRun run = pipeline.Start(Ask("go"));
            completion = run.Completion;
            try
            {
                await foreach (ToolPipelineEvent e in run.Events)
                {
                    if (e is ToolCallStarted { Call.Name: "slow" })
                    {
                        run.Cancel();
                    }
                }
            }
            catch (OperationCanceledException e)
            {
                error = e;
            }
        });

        Assert.NotNull(error);
        Assert.True(completion!.IsCanceled);
        Assert.Equal(["slow"], tools.Invocations.Select(i => i.Name));
    }

    [Fact]
    public async Task Events_ReadTwice_SecondReaderIsRefused()
    {
        var model = new ScriptedChatClient([new ScriptedResponse().Text("Hi.")], new ScriptedModelOptions { TimeToFirstToken = TimeSpan.Zero, TokensPerSecond = 100_000 });
        await using ToolPipelineRun run = ToolPipeline.CreateBuilder(model).Build().Start(Ask("hi"));
        await using IAsyncEnumerator<ToolPipelineEvent> first = run.Events.GetAsyncEnumerator();
        Assert.True(await first.MoveNextAsync());

        await Assert.ThrowsAsync<InvalidOperationException>(async () => await run.Events.GetAsyncEnumerator().MoveNextAsync());
        RunCompleted completed = await run.Completion;
        Assert.Equal("Hi.", completed.FinalText);
    }

    [Fact]
    public async Task Controls_RacingTheRunsEndOnOtherThreads_EveryCallEndsOnceAndAnswersStayInTheirSets()
    {
        // Real threads and the system clock: the controls land anywhere in the run, including after it ended.
        string[] ids = ["call_t1_0", "call_t1_1", "call_t1_2", "call_t1_3"];
        ToolControlResult[] cancelCall = [ToolControlResult.Applied, ToolControlResult.CallEnded, ToolControlResult.UnknownCall];
        ToolControlResult[] approve = [ToolControlResult.Applied, ToolControlResult.CallEnded, ToolControlResult.UnknownCall, ToolControlResult.NotAwaitingApproval, ToolControlResult.AlreadyApproved, ToolControlResult.AlreadyDenied];
        ToolControlResult[] cancelTurn = [ToolControlResult.Applied, ToolControlResult.AlreadyCancelled, ToolControlResult.RunEnded];
        for (int i = 0; i < 40; i++)
        {
            ScriptedResponse response = new ScriptedResponse().Text("Go.")
                .Call("work", """{"n": 0}""").Call("work", """{"n": 1}""").Call("pay", """{"n": 2}""").Call("work", """{"n": 3}""");
            var model = new ScriptedChatClient([response, new ScriptedResponse().Text("Done.")], new ScriptedModelOptions { TimeToFirstToken = TimeSpan.Zero, TokensPerSecond = 100_000 });
            ToolPipeline pipeline = ToolPipeline.CreateBuilder(model)
                .AddTool(AIFunctionFactory.Create((int n) => n, "work"), ToolEffects.ReadOnly)
                .AddTool(new ToolDescriptor(AIFunctionFactory.Create((int n) => n, "pay"), ToolEffects.Idempotent) { RequiresApproval = true })
                .WithExternalApproval()
                .Build();
            await using ToolPipelineRun run = pipeline.Start(Ask("go"));
            int seed = i;
            var answers = new List<(string Op, ToolControlResult Result)>();
            Task controls = Task.Run(() =>
            {
                var random = new Random(seed);
                while (!run.Completion.IsCompleted)
                {
                    string id = ids[random.Next(ids.Length)];
                    switch (random.Next(5))
                    {
                        case 0: answers.Add(("cancel", run.CancelCall(id))); break;
                        case 1: answers.Add(("branch", run.CancelBranch(id))); break;
                        case 2: answers.Add(("approve", run.Approve(id))); break;
                        case 3: answers.Add(("deny", run.Deny(id))); break;
                        default: answers.Add(("turn", seed % 4 == 0 ? run.CancelTurn() : ToolControlResult.RunEnded)); break;
                    }
                }
            });

            var events = new List<ToolPipelineEvent>();
            await foreach (ToolPipelineEvent e in run.Events)
            {
                events.Add(e);
            }

            await controls;
            RunCompleted completed = Assert.IsType<RunCompleted>(events[^1]);
            Assert.Contains(completed.Reason, new[] { RunCompletionReason.FinalAnswer, RunCompletionReason.TurnCancelled });
            foreach (string id in events.OfType<ToolCallClosed>().Select(c => c.Call.CallId))
            {
                Assert.Equal(1, events.Count(e => e is ToolCallCompleted c && c.Call.CallId == id || e is ToolCallFailed f && f.Call.CallId == id));
            }

            Assert.All(answers, a => Assert.Contains(a.Result, a.Op switch
            {
                "cancel" or "branch" => cancelCall,
                "turn" => cancelTurn,
                _ => approve,
            }));

            // After the end, nothing is under way.
            Assert.All(ids, id => Assert.Contains(run.CancelCall(id), new[] { ToolControlResult.CallEnded, ToolControlResult.UnknownCall }));
            Assert.Contains(run.CancelTurn(), new[] { ToolControlResult.RunEnded, ToolControlResult.AlreadyCancelled });
        }
    }
}
