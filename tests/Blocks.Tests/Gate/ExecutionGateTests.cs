using System.Text.Json;
using System.Threading.Tasks.Dataflow;
using Microsoft.Extensions.AI;
using ToolFlow.Testing;
using static ToolFlow.Blocks.Tests.Events;

namespace ToolFlow.Blocks.Tests;

/// <summary>The gate of <see cref="ToolExecutionBlock"/>: dependencies, effects, approval, cancellation and resilience, on the manual clock.</summary>
public sealed class ExecutionGateTests : ManualClockTests
{
    private ToolExecutionBlockOptions Options(ToolReferenceSyntax syntax = ToolReferenceSyntax.Futures, ToolApprovalHandler? approver = null) => new()
    {
        TimeProvider = Clock,
        TaskScheduler = Scheduler,
        ReferenceSyntax = syntax,
        ApprovalHandler = approver,
    };

    private List<(double Ms, string What)> Lifecycle(List<ToolPipelineEvent> events) =>
        [.. events.Where(e => e is ToolCallStarted or ToolCallCompleted or ToolCallFailed).Timeline(Clock)];

    [Fact]
    public void Post_PlanReferences_EachStepStartsTheInstantItsLastDependencyCompletes()
    {
        var tools = new TestTools(Clock);
        var block = new ToolExecutionBlock(
            TestTools.ReadOnly(
            [
                tools.Computing("search_a", TimeSpan.FromMilliseconds(100), _ => 3),
                tools.Computing("search_b", TimeSpan.FromMilliseconds(300), _ => 4),
                tools.Computing("add", TimeSpan.FromMilliseconds(50), a => ((JsonElement)a["x"]!).GetInt32() + ((JsonElement)a["y"]!).GetInt32()),
            ]),
            Options(ToolReferenceSyntax.PlanSteps));
        ToolCall first = Call(0, "search_a", "{}") with { Label = "1" };
        ToolCall second = Call(1, "search_b", "{}") with { Label = "2" };
        ToolCall sum = Call(2, "add", """{"x": "$1", "y": "${2}"}""") with { Label = "3" };

        List<ToolPipelineEvent> events = Run(block, async target =>
        {
            await At(10);
            target.Post(new ToolCallClosed(first) { Turn = 1 });
            await At(20);
            target.Post(new ToolCallClosed(second) { Turn = 1 });
            await At(30);
            target.Post(new ToolCallClosed(sum) { Turn = 1 });
            await At(400);
            target.Post(Response(ChatFinishReason.ToolCalls, first, second, sum));
        });

        // add waits for its last dependency (search_b, done at 20 + 300) and starts in that same instant.
        Assert.Equal(
            [
                (10d, "started call_1_0"),
                (20d, "started call_1_1"),
                (110d, "completed call_1_0 3"),
                (320d, "completed call_1_1 4"),
                (320d, "started call_1_2"),
                (370d, "completed call_1_2 7"),
            ],
            Lifecycle(events));
        ToolCallWaiting waiting = Assert.Single(events.OfType<ToolCallWaiting>());
        Assert.Equal((30d, ToolCallWaitReason.Dependencies, "call_1_0, call_1_1"), (waiting.Ms(Clock), waiting.Reason, waiting.Detail));
        IReadOnlyDictionary<string, object?> arguments = tools.Invocations.Single(i => i.Name == "add").Arguments;
        Assert.Equal(3, ((JsonElement)arguments["x"]!).GetInt32());
        Assert.Equal(4, ((JsonElement)arguments["y"]!).GetInt32());
    }

    [Fact]
    public void Post_DependencyFailsOrIsUnknown_DependentsFailWithAReasonNamingIt()
    {
        var tools = new TestTools(Clock);
        var block = new ToolExecutionBlock(
            TestTools.ReadOnly(
            [
                tools.Throwing("lookup", TimeSpan.FromMilliseconds(100), new InvalidOperationException("service down")),
                tools.Delayed("use", TimeSpan.FromMilliseconds(10), "used"),
            ]),
            Options(ToolReferenceSyntax.NestfulVariables));
        ToolCall lookup = Call(0, "lookup", "{}") with { Label = "var1" };
        ToolCall use = Call(1, "use", """{"id": "$var1.items[0].id$"}""") with { Label = "var2" };
        ToolCall chained = Call(2, "use", """{"id": "$var2.x$"}""") with { Label = "var3" };
        ToolCall dangling = Call(3, "use", """{"id": "$var9.x$"}""") with { Label = "var4" };

        List<ToolPipelineEvent> events = Run(block, async target =>
        {
            target.Post(new ToolCallClosed(lookup) { Turn = 1 });
            target.Post(new ToolCallClosed(use) { Turn = 1 });
            target.Post(new ToolCallClosed(chained) { Turn = 1 });
            target.Post(new ToolCallClosed(dangling) { Turn = 1 });
            await At(500);
            target.Post(Response(ChatFinishReason.ToolCalls, lookup, use, chained, dangling));
        });

        Dictionary<string, ToolCallFailed> failed = events.OfType<ToolCallFailed>().ToDictionary(f => f.Call.CallId);
        Assert.Equal(ToolCallFailureKind.UnresolvedReference, failed["call_1_3"].Kind);
        Assert.Contains("var9", failed["call_1_3"].Message, StringComparison.Ordinal);
        Assert.Equal(0d, failed["call_1_3"].Ms(Clock));
        Assert.Equal(ToolCallFailureKind.ToolException, failed["call_1_0"].Kind);
        Assert.Equal(ToolCallFailureKind.DependencyFailed, failed["call_1_1"].Kind);
        Assert.Contains("call_1_0 (lookup)", failed["call_1_1"].Message, StringComparison.Ordinal);
        Assert.Equal(100d, failed["call_1_1"].Ms(Clock));
        Assert.Equal(ToolCallFailureKind.DependencyFailed, failed["call_1_2"].Kind);
        Assert.Contains("call_1_1 (use)", failed["call_1_2"].Message, StringComparison.Ordinal);
        Assert.Equal(["lookup"], tools.Invocations.Select(i => i.Name));
    }

    [Fact]
    public void Post_ReferenceIntoTheResult_FieldPathsWithSpacesIndexesAndEmbeddedText()
    {
        var tools = new TestTools(Clock);
        var block = new ToolExecutionBlock(
            TestTools.ReadOnly(
            [
                tools.Computing("rate", TimeSpan.FromMilliseconds(20), _ => JsonElement.Parse("""{"Exchange Rate": 1.25, "pairs": [{"to": "EUR"}]}""")),
                tools.Computing("calc", TimeSpan.FromMilliseconds(5), a => a["numbers"]),
            ]),
            Options(ToolReferenceSyntax.NestfulVariables));
        ToolCall rate = Call(0, "rate", "{}") with { Label = "var1" };
        ToolCall calc = Call(1, "calc", """{"numbers": "5 * $var1.Exchange Rate$ in $var1.pairs[0].to$", "rate": "$var1.Exchange Rate$"}""") with { Label = "var2" };

        Run(block, async target =>
        {
            target.Post(new ToolCallClosed(rate) { Turn = 1 });
            target.Post(new ToolCallClosed(calc) { Turn = 1 });
            await At(100);
            target.Post(Response(ChatFinishReason.ToolCalls, rate, calc));
        });

        IReadOnlyDictionary<string, object?> arguments = tools.Invocations.Single(i => i.Name == "calc").Arguments;
        Assert.Equal("5 * 1.25 in EUR", ((JsonElement)arguments["numbers"]!).GetString());
        Assert.Equal(JsonValueKind.Number, ((JsonElement)arguments["rate"]!).ValueKind);
        Assert.Equal(1.25, ((JsonElement)arguments["rate"]!).GetDouble());
    }

    [Theory]
    [InlineData("length")]
    [InlineData("content_filter")]
    public void Post_ResponseEndsBadly_SideEffectingCallsAreDiscardedReadOnlyOnesAlreadyRan(string finish)
    {
        var tools = new TestTools(Clock);
        var block = new ToolExecutionBlock(
            [
                new ToolDescriptor(tools.Delayed("read", TimeSpan.FromMilliseconds(30), "r"), ToolEffects.ReadOnly),
                new ToolDescriptor(tools.Delayed("send_email", TimeSpan.FromMilliseconds(30), "sent"), ToolEffects.SideEffecting),
            ],
            Options());
        ToolCall read = Call(0, "read", "{}");
        ToolCall send = Call(1, "send_email", "{}");

        List<ToolPipelineEvent> events = Run(block, async target =>
        {
            await At(10);
            target.Post(new ToolCallClosed(read) { Turn = 1 });
            await At(20);
            target.Post(new ToolCallClosed(send) { Turn = 1 });
            await At(200);
            target.Post(Response(new ChatFinishReason(finish), read, send));
        });

        Assert.Equal([(10d, "started call_1_0"), (40d, "completed call_1_0 \"r\""), (200d, "failed call_1_1 Discarded")], Lifecycle(events));
        Assert.Equal(["read"], tools.Invocations.Select(i => i.Name));
        Assert.Equal((20d, ToolCallWaitReason.ResponseEnd), events.OfType<ToolCallWaiting>().Select(w => (w.Ms(Clock), w.Reason)).Single());
    }

    [Fact]
    public void Post_ResponseEndsCleanly_SideEffectingCallStartsAtTheEnd()
    {
        var tools = new TestTools(Clock);
        var block = new ToolExecutionBlock([new ToolDescriptor(tools.Delayed("send_email", TimeSpan.FromMilliseconds(30), "sent"))], Options());
        ToolCall send = Call(0, "send_email", "{}");

        List<ToolPipelineEvent> events = Run(block, async target =>
        {
            await At(20);
            target.Post(new ToolCallClosed(send) { Turn = 1 });
            await At(200);
            target.Post(Response(ChatFinishReason.ToolCalls, send));
        });

        Assert.Equal([(200d, "started call_1_0"), (230d, "completed call_1_0 \"sent\"")], Lifecycle(events));
    }

    [Fact]
    public void Post_ApprovalGrantedOrDenied_RunsAtTheApprovalInstantOrIsRejected()
    {
        var tools = new TestTools(Clock);
        async ValueTask<bool> Approver(ToolCall call, CancellationToken cancellationToken)
        {
            // A person takes 250 ms to decide; they approve paying 10 and deny paying 5000.
            await Task.Delay(TimeSpan.FromMilliseconds(250), Clock, cancellationToken).ConfigureAwait(false);
            return ((JsonElement)call.Arguments!["amount"]!).GetInt32() < 100;
        }

        var block = new ToolExecutionBlock(
            [new ToolDescriptor(tools.Delayed("pay", TimeSpan.FromMilliseconds(40), "paid"), ToolEffects.Idempotent) { RequiresApproval = true }],
            Options(approver: Approver));
        ToolCall small = Call(0, "pay", """{"amount": 10}""");
        ToolCall large = Call(1, "pay", """{"amount": 5000}""");

        List<ToolPipelineEvent> events = Run(block, async target =>
        {
            await At(10);
            target.Post(new ToolCallClosed(small) { Turn = 1 });
            target.Post(new ToolCallClosed(large) { Turn = 1 });
            await At(500);
            target.Post(Response(ChatFinishReason.ToolCalls, small, large));
        });

        Assert.Equal([10d, 10d], events.OfType<ToolCallApprovalRequested>().Select(e => e.Ms(Clock)));
        Assert.Equal([(260d, "started call_1_0"), (260d, "failed call_1_1 Rejected"), (300d, "completed call_1_0 \"paid\"")], Lifecycle(events));
        Assert.Single(tools.Invocations);
    }

    [Fact]
    public async Task CancelCall_AwaitingApproval_TheApproversTokenFiresOffTheCancellingCall()
    {
        // The approver's token callbacks may call back into the block: they must not run inline, under its lock.
        var asked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var fired = new TaskCompletionSource<(int Thread, bool DuringCancel)>(TaskCreationOptions.RunContinuationsAsynchronously);
        int duringCancel = 0;
        async ValueTask<bool> Approver(ToolCall call, CancellationToken cancellationToken)
        {
            cancellationToken.Register(() => fired.TrySetResult((Environment.CurrentManagedThreadId, Volatile.Read(ref duringCancel) == 1)));
            asked.TrySetResult();
            await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);
            return true;
        }

        var tools = new TestTools(TimeProvider.System);
        var block = new ToolExecutionBlock(
            [new ToolDescriptor(tools.Delayed("pay", TimeSpan.Zero, "paid"), ToolEffects.ReadOnly) { RequiresApproval = true }],
            new ToolExecutionBlockOptions { ApprovalHandler = Approver });
        ToolCall pay = Call(0, "pay", "{}");
        block.Post(new ToolCallClosed(pay) { Turn = 1 });
        await asked.Task;

        int cancelling = Environment.CurrentManagedThreadId;
        Volatile.Write(ref duringCancel, 1);
        Assert.True(block.CancelCall(pay.CallId));
        Volatile.Write(ref duringCancel, 0);

        (int thread, bool during) = await fired.Task;
        Assert.False(during && thread == cancelling, "the approver's token fired inline, inside CancelCall");
        block.Complete();
        List<ToolPipelineEvent> events = [];
        while (await block.OutputAvailableAsync())
        {
            events.Add(block.Receive());
        }

        Assert.Equal(ToolCallFailureKind.Cancelled, Assert.Single(events.OfType<ToolCallFailed>()).Kind);
        Assert.Empty(tools.Invocations);
    }

    [Fact]
    public void Post_NoApprover_CallIsRejectedCleanly()
    {
        var tools = new TestTools(Clock);
        var block = new ToolExecutionBlock([new ToolDescriptor(tools.Delayed("pay", TimeSpan.Zero, "paid"), ToolEffects.ReadOnly) { RequiresApproval = true }], Options());
        ToolCall pay = Call(0, "pay", "{}");

        List<ToolPipelineEvent> events = Run(block, target =>
        {
            target.Post(new ToolCallClosed(pay) { Turn = 1 });
            target.Post(Response(ChatFinishReason.ToolCalls, pay));
            return Task.CompletedTask;
        });

        ToolCallFailed failed = Assert.Single(events.OfType<ToolCallFailed>());
        Assert.Equal(ToolCallFailureKind.Rejected, failed.Kind);
        Assert.Contains("no approver", failed.Message, StringComparison.Ordinal);
        Assert.Empty(tools.Invocations);
    }

    [Fact]
    public void ApproveAndDeny_ExternalApproval_CallsWaitForTheDecisionAndEachAnswerSaysWhatHappened()
    {
        var tools = new TestTools(Clock);
        ToolExecutionBlockOptions options = Options();
        options.ExternalApproval = true;
        var block = new ToolExecutionBlock([new ToolDescriptor(tools.Delayed("pay", TimeSpan.FromMilliseconds(40), "paid"), ToolEffects.Idempotent) { RequiresApproval = true }], options);
        ToolCall small = Call(0, "pay", """{"amount": 10}""");
        ToolCall large = Call(1, "pay", """{"amount": 5000}""");
        var answers = new List<ToolControlResult>();

        List<ToolPipelineEvent> events = Run(block, async target =>
        {
            target.Post(new ToolCallClosed(small) { Turn = 1 });
            target.Post(new ToolCallClosed(large) { Turn = 1 });
            target.Post(Response(ChatFinishReason.ToolCalls, small, large));
            await At(300);
            answers.Add(block.Approve(small.CallId));
            answers.Add(block.Deny(large.CallId, "Too much."));
            answers.Add(block.Approve(small.CallId));
            answers.Add(block.Approve(large.CallId));
            answers.Add(block.Deny("call_9_9"));
        });

        Assert.Equal([ToolControlResult.Applied, ToolControlResult.Applied, ToolControlResult.AlreadyApproved, ToolControlResult.AlreadyDenied, ToolControlResult.UnknownCall], answers);
        Assert.Equal([(300d, "started call_1_0"), (300d, "failed call_1_1 Rejected"), (340d, "completed call_1_0 \"paid\"")], Lifecycle(events));
        Assert.Contains("Too much.", events.OfType<ToolCallFailed>().Single().Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CancelBranch_RunningRootWithDependents_AllCancelledLateResultIsStaleOthersRun()
    {
        var tools = new TestTools(Clock);
        var stubborn = new StubbornTool(Clock, "fetch", TimeSpan.FromMilliseconds(300), "fetched");
        var block = new ToolExecutionBlock(
            TestTools.ReadOnly([stubborn, tools.Delayed("parse", TimeSpan.FromMilliseconds(10), "parsed"), tools.Delayed("other", TimeSpan.FromMilliseconds(200), "other")]),
            Options(ToolReferenceSyntax.PlanSteps));
        ToolCall fetch = Call(0, "fetch", "{}") with { Label = "1" };
        ToolCall parse = Call(1, "parse", """{"page": "$1"}""") with { Label = "2" };
        ToolCall summarize = Call(2, "parse", """{"page": "$2"}""") with { Label = "3" };
        ToolCall other = Call(3, "other", "{}") with { Label = "4" };
        int cancelled = 0;

        List<ToolPipelineEvent> events = Run(block, async target =>
        {
            target.Post(new ToolCallClosed(fetch) { Turn = 1 });
            target.Post(new ToolCallClosed(parse) { Turn = 1 });
            target.Post(new ToolCallClosed(summarize) { Turn = 1 });
            target.Post(new ToolCallClosed(other) { Turn = 1 });
            await At(100);
            cancelled = block.CancelBranch("call_1_0");
            await At(400);
            target.Post(Response(ChatFinishReason.ToolCalls, fetch, parse, summarize, other));
        });

        Assert.Equal(3, cancelled);
        Assert.Equal(
            [
                (0d, "started call_1_0"),
                (0d, "started call_1_3"),
                (100d, "failed call_1_0 Cancelled"),
                (100d, "failed call_1_1 Cancelled"),
                (100d, "failed call_1_2 Cancelled"),
                (200d, "completed call_1_3 \"other\""),
            ],
            Lifecycle(events));

        // The stubborn tool ignored its token and answered at 300 ms: recorded as stale, never a completion.
        ToolResultDiscarded stale = Assert.Single(events.OfType<ToolResultDiscarded>());
        Assert.Equal((300d, "call_1_0", "fetched"), (stale.Ms(Clock), stale.Call.CallId, stale.Result));
        Assert.Contains("call_1_0 (fetch)", events.OfType<ToolCallFailed>().Single(f => f.Call.CallId == "call_1_2").Message + events.OfType<ToolCallFailed>().Single(f => f.Call.CallId == "call_1_1").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Post_IdempotentToolFailsTwice_RetriedWithExponentialBackoffAsEvents()
    {
        var flaky = new FlakyTool(Clock, "quote", TimeSpan.FromMilliseconds(10), failures: 2);
        var block = new ToolExecutionBlock(
            [new ToolDescriptor(flaky, ToolEffects.Idempotent) { Retry = new ToolRetryPolicy { MaxRetryAttempts = 3, BaseDelay = TimeSpan.FromMilliseconds(100), UseJitter = false } }],
            Options());
        ToolCall quote = Call(0, "quote", "{}");

        List<ToolPipelineEvent> events = Run(block, async target =>
        {
            target.Post(new ToolCallClosed(quote) { Turn = 1 });
            await At(1000);
            target.Post(Response(ChatFinishReason.ToolCalls, quote));
        });

        // Attempts at 0, 110 and 320: 10 ms each, then 100 ms and 200 ms of backoff.
        Assert.Equal([0d, 110d, 320d], flaky.Attempts);
        Assert.Equal([(10d, 1, 100d), (120d, 2, 200d)], events.OfType<ToolCallRetrying>().Select(r => (r.Ms(Clock), r.Attempt, r.Delay.TotalMilliseconds)));
        Assert.Equal([(0d, "started call_1_0"), (330d, "completed call_1_0 \"ok\"")], Lifecycle(events));
    }

    [Fact]
    public void Post_SideEffectingToolWithARetryPolicy_IsNeverRunTwice()
    {
        var flaky = new FlakyTool(Clock, "charge", TimeSpan.FromMilliseconds(10), failures: 1);
        var block = new ToolExecutionBlock(
            [new ToolDescriptor(flaky) { Retry = new ToolRetryPolicy { BaseDelay = TimeSpan.FromMilliseconds(100), UseJitter = false } }],
            Options());
        ToolCall charge = Call(0, "charge", "{}");

        List<ToolPipelineEvent> events = Run(block, target =>
        {
            target.Post(new ToolCallClosed(charge) { Turn = 1 });
            target.Post(Response(ChatFinishReason.ToolCalls, charge));
            return Task.CompletedTask;
        });

        Assert.Single(flaky.Attempts);
        Assert.Empty(events.OfType<ToolCallRetrying>());
        Assert.Equal(ToolCallFailureKind.ToolException, Assert.Single(events.OfType<ToolCallFailed>()).Kind);
    }

    [Fact]
    public void Post_AttemptPastTheTimeout_FailsAsTimedOutAtTheTimeout()
    {
        var tools = new TestTools(Clock);
        var block = new ToolExecutionBlock(
            [new ToolDescriptor(tools.Delayed("slow", TimeSpan.FromMilliseconds(500), "late"), ToolEffects.ReadOnly) { Timeout = TimeSpan.FromMilliseconds(80) }],
            Options());
        ToolCall slow = Call(0, "slow", "{}");

        List<ToolPipelineEvent> events = Run(block, async target =>
        {
            target.Post(new ToolCallClosed(slow) { Turn = 1 });
            await At(1000);
            target.Post(Response(ChatFinishReason.ToolCalls, slow));
        });

        Assert.Equal([(0d, "started call_1_0"), (80d, "failed call_1_0 TimedOut")], Lifecycle(events));
    }

    [Fact]
    public void Post_ToolKeepsFailing_CircuitOpensAndLaterCallsFailFast()
    {
        var flaky = new FlakyTool(Clock, "search", TimeSpan.FromMilliseconds(10), failures: int.MaxValue);
        var breaker = new ToolCircuitBreakerPolicy { FailureRatio = 0.5, MinimumThroughput = 2, SamplingDuration = TimeSpan.FromSeconds(10), BreakDuration = TimeSpan.FromSeconds(5) };
        var block = new ToolExecutionBlock([new ToolDescriptor(flaky, ToolEffects.ReadOnly) { CircuitBreaker = breaker }], Options());
        ToolCall[] calls = [.. Enumerable.Range(0, 4).Select(i => Call(i, "search", "{}"))];

        List<ToolPipelineEvent> events = Run(block, async target =>
        {
            for (int i = 0; i < calls.Length; i++)
            {
                await At(100 * i);
                target.Post(new ToolCallClosed(calls[i]) { Turn = 1 });
            }

            await At(1000);
            target.Post(Response(ChatFinishReason.ToolCalls, calls));
        });

        Assert.Equal(2, flaky.Attempts.Count);
        Assert.Equal(
            [ToolCallFailureKind.ToolException, ToolCallFailureKind.ToolException, ToolCallFailureKind.CircuitOpen, ToolCallFailureKind.CircuitOpen],
            events.OfType<ToolCallFailed>().OrderBy(f => f.Call.Index).Select(f => f.Kind));
        ToolCircuitStateChanged opened = Assert.Single(events.OfType<ToolCircuitStateChanged>());
        Assert.Equal(("search", "open", 110d), (opened.ToolName, opened.State, opened.Ms(Clock)));
    }

    [Fact]
    public void Post_IdenticalReadOnlyCalls_RunOnceAndEachCallerGetsTheResult()
    {
        var tools = new TestTools(Clock);
        var block = new ToolExecutionBlock(
            [
                new ToolDescriptor(tools.Computing("lookup", TimeSpan.FromMilliseconds(100), a => $"result for {a["q"]}"), ToolEffects.ReadOnly),
                new ToolDescriptor(tools.Delayed("append", TimeSpan.FromMilliseconds(10), "appended")),
            ],
            Options());
        ToolCall first = Call(0, "lookup", """{"q": "x", "n": {"a": 1, "b": 2}}""");
        ToolCall same = Call(1, "lookup", """{"n": {"b": 2, "a": 1}, "q": "\u0078"}""");
        ToolCall other = Call(2, "lookup", """{"q": "y", "n": {"a": 1, "b": 2}}""");
        ToolCall write1 = Call(3, "append", """{"line": "a"}""");
        ToolCall write2 = Call(4, "append", """{"line": "a"}""");

        List<ToolPipelineEvent> events = Run(block, async target =>
        {
            target.Post(new ToolCallClosed(first) { Turn = 1 });
            await At(30);
            target.Post(new ToolCallClosed(same) { Turn = 1 });
            target.Post(new ToolCallClosed(other) { Turn = 1 });
            target.Post(new ToolCallClosed(write1) { Turn = 1 });
            target.Post(new ToolCallClosed(write2) { Turn = 1 });
            await At(50);
            target.Post(Response(ChatFinishReason.ToolCalls, first, same, other, write1, write2));
        });

        // The duplicate waits for the original and completes with it; side-effecting calls are never merged.
        Assert.Equal(("call_1_1", "call_1_0", 30d), events.OfType<ToolCallDeduplicated>().Select(d => (d.Call.CallId, d.OriginalCallId, d.Ms(Clock))).Single());
        Assert.Equal(
            [(100d, "call_1_0", "result for x"), (100d, "call_1_1", "result for x"), (130d, "call_1_2", "result for y")],
            events.OfType<ToolCallCompleted>().Where(c => c.Call.Name == "lookup").Select(c => (c.Ms(Clock), c.Call.CallId, (string)c.Result!)));
        Assert.Equal(2, tools.Invocations.Count(i => i.Name == "lookup"));
        Assert.Equal(2, tools.Invocations.Count(i => i.Name == "append"));
        Assert.DoesNotContain(events.OfType<ToolCallStarted>(), s => s.Call.CallId == "call_1_1");
    }

    [Fact]
    public void Post_BatchableToolCallsReadyTogether_GoOutAsOneInvocation()
    {
        var tools = new TestTools(Clock);
        var batches = new List<(double Ms, string[] Ids)>();
        async ValueTask<IReadOnlyList<object?>> FetchMany(IReadOnlyList<AIFunctionArguments> arguments, CancellationToken cancellationToken)
        {
            batches.Add((Clock.Elapsed.TotalMilliseconds, [.. arguments.Select(a => ((JsonElement)a["id"]!).ToString())]));
            await Task.Delay(TimeSpan.FromMilliseconds(40), Clock, cancellationToken).ConfigureAwait(false);
            return [.. arguments.Select(a => (object?)$"page {a["id"]}")];
        }

        var block = new ToolExecutionBlock(
            [
                new ToolDescriptor(tools.Computing("list", TimeSpan.FromMilliseconds(100), _ => JsonElement.Parse("[7, 8, 9]")), ToolEffects.ReadOnly),
                new ToolDescriptor(tools.Delayed("fetch", TimeSpan.Zero, "unused"), ToolEffects.ReadOnly) { BatchInvoker = FetchMany },
            ],
            Options(ToolReferenceSyntax.PlanSteps));
        ToolCall list = Call(0, "list", "{}") with { Label = "1" };
        ToolCall[] fetches = [.. Enumerable.Range(0, 3).Select(i => Call(i + 1, "fetch", $$"""{"id": "${1}", "i": {{i}}}""") with { Label = $"{i + 2}" })];
        ToolCall[] direct = [.. Enumerable.Range(0, 3).Select(i => Call(i + 4, "fetch", $$"""{"id": {{i}}}"""))];

        List<ToolPipelineEvent> events = Run(block, async target =>
        {
            target.Post(new ToolCallClosed(list) { Turn = 1 });
            foreach (ToolCall fetch in fetches)
            {
                target.Post(new ToolCallClosed(fetch) { Turn = 1 });
            }

            await At(150);
            target.Post(new ToolCallClosed(direct[0]) { Turn = 1 });
            await At(160);
            target.Post(new ToolCallClosed(direct[1]) { Turn = 1 });
            target.Post(new ToolCallClosed(direct[2]) { Turn = 1 });
            await At(300);
            target.Post(Response(ChatFinishReason.ToolCalls, [list, .. fetches, .. direct]));
        });

        // The three fetches that wait on the list become ready together when it completes (100 ms): one batch.
        // Calls that close one by one go out as they close.
        Assert.Equal(["[7,8,9] [7,8,9] [7,8,9]", "0", "1", "2"], batches.Select(b => string.Join(' ', b.Ids)));
        Assert.Equal([100d, 150d, 160d, 160d], batches.Select(b => b.Ms));
        Assert.Equal(["call_1_1 call_1_2 call_1_3", "call_1_4", "call_1_5", "call_1_6"], events.OfType<ToolCallsBatched>().Select(b => string.Join(' ', b.CallIds)));
        Assert.Equal(6, events.OfType<ToolCallCompleted>().Count(c => c.Call.Name == "fetch"));
        Assert.DoesNotContain(tools.Invocations, i => i.Name == "fetch");
    }

    /// <summary>A tool that ignores cancellation and answers after its latency whatever happens.</summary>
    private sealed class StubbornTool(ManualTimeProvider clock, string name, TimeSpan latency, string result) : AIFunction
    {
        public override string Name => name;

        protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
        {
            await Task.Delay(latency, clock, CancellationToken.None).ConfigureAwait(false);
            return result;
        }
    }

    /// <summary>A tool whose first attempts throw; records each attempt's start.</summary>
    private sealed class FlakyTool(ManualTimeProvider clock, string name, TimeSpan latency, int failures) : AIFunction
    {
        public List<double> Attempts { get; } = [];

        public override string Name => name;

        protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
        {
            Attempts.Add(clock.Elapsed.TotalMilliseconds);
            await Task.Delay(latency, clock, cancellationToken).ConfigureAwait(false);
            return Attempts.Count <= failures ? throw new IOException($"attempt {Attempts.Count} failed") : "ok";
        }
    }
}
