using System.Threading.Tasks.Dataflow;
using Microsoft.Extensions.AI;
using ToolFlow.Testing;
using static ToolFlow.Blocks.Tests.Events;

namespace ToolFlow.Blocks.Tests;

/// <summary>The execution block with a permission policy: the check at dispatch, the check of the result, quarantine, failing closed.</summary>
public sealed class ToolExecutionBlockPermissionTests : ManualClockTests
{
    private ToolExecutionBlockOptions Options(IToolPermissionPolicy? policy) => new()
    {
        TimeProvider = Clock,
        TaskScheduler = Scheduler,
        PermissionPolicy = policy,
    };

    private static readonly Func<ToolPipelineEvent, bool> s_lifecycle = static e =>
        e is ToolCallClosed or ToolCallStarted or ToolCallCompleted or ToolCallFailed or ToolCallPermissionChecked or ToolResultQuarantined or DiagnosticReported or ToolCallWaiting;

    // Closes one call at 0 and ends its response at respondAt.
    private List<ToolPipelineEvent> RunOne(ToolExecutionBlock block, ToolCall call, double respondAt) => Run(block, async target =>
    {
        target.Post(new ToolCallClosed(call) { Turn = 1 });
        await At(respondAt);
        target.Post(Response(call));
    });

    [Fact]
    public void Post_PolicyAllows_BothChecksRaiseEventsInOrderWithTheirRevision()
    {
        var tools = new TestTools(Clock);
        var permissions = new ToolPermissions(["a"]);
        var block = new ToolExecutionBlock(TestTools.ReadOnly([tools.Delayed("a", TimeSpan.FromMilliseconds(50), "A")]), Options(permissions));
        ToolCall a = Call(0, "a", "{}");

        List<ToolPipelineEvent> events = Run(block, async target =>
        {
            await At(10);
            target.Post(new ToolCallClosed(a) { Turn = 1 });
            await At(20);

            // A change to another tool still moves the revision the result check reports.
            permissions.Allow("b");
            await At(100);
            target.Post(Response(a));
        });

        Assert.Equal(
            [
                (10d, "closed call_1_0 a {}"), (10d, "permission call_1_0 Dispatch allowed r0"), (10d, "started call_1_0"),
                (60d, "permission call_1_0 Result allowed r1"), (60d, "completed call_1_0 \"A\""),
            ],
            events.Where(s_lifecycle).Timeline(Clock));
        ToolCallPermissionChecked dispatch = events.OfType<ToolCallPermissionChecked>().First();
        Assert.Equal(new ToolPermissionDecision(true, "ToolPermissions", "0"), dispatch.Decision);
        Assert.Equal(1, dispatch.Turn);
    }

    [Fact]
    public void Post_WithoutPolicy_RaisesNoPermissionEvents()
    {
        var tools = new TestTools(Clock);
        var block = new ToolExecutionBlock(TestTools.ReadOnly([tools.Delayed("a", TimeSpan.FromMilliseconds(50), "A")]), Options(null));
        ToolCall a = Call(0, "a", "{}");

        List<ToolPipelineEvent> events = RunOne(block, a, respondAt: 100);

        Assert.Equal([(0d, "closed call_1_0 a {}"), (0d, "started call_1_0"), (50d, "completed call_1_0 \"A\"")], events.Where(s_lifecycle).Timeline(Clock));
    }

    [Fact]
    public void Post_DeniedAtDispatch_ToolNeverRunsAndTheModelIsToldWhy()
    {
        var tools = new TestTools(Clock);
        var permissions = new ToolPermissions(["a"]);
        var block = new ToolExecutionBlock(TestTools.ReadOnly([tools.Delayed("a", TimeSpan.FromMilliseconds(50), "A"), tools.Delayed("b", TimeSpan.FromMilliseconds(50), "B")]), Options(permissions));
        ToolCall b = Call(0, "b", "{}");
        ToolCall dependent = Call(1, "a", """{"x": {"$future": "call_1_0"}}""");

        List<ToolPipelineEvent> events = Run(block, async target =>
        {
            await At(10);
            target.Post(new ToolCallClosed(b) { Turn = 1 });
            target.Post(new ToolCallClosed(dependent) { Turn = 1 });
            await At(100);
            target.Post(Response(b, dependent));
        });

        Assert.Empty(tools.Invocations);
        Assert.Equal(
            [
                (10d, "closed call_1_0 b {}"), (10d, "permission call_1_0 Dispatch denied r0"), (10d, "failed call_1_0 PermissionDenied"),
                (10d, "closed call_1_1 a {\"x\": {\"$future\": \"call_1_0\"}}"), (10d, "failed call_1_1 DependencyFailed"),
            ],
            events.Where(s_lifecycle).Timeline(Clock));
        ToolCallFailed failed = events.OfType<ToolCallFailed>().First();
        Assert.Equal(
            "Error: permission to call 'b' was denied (the tool 'b' is not permitted (permissions revision 0)). Do not call it again unless permission is granted.",
            failed.ResultForModel);
        Assert.Null(failed.Duration);
        Assert.Contains("not permitted by ToolPermissions", failed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Post_RevokedWhileRunning_ResultIsQuarantinedAndNeverReachesADependent()
    {
        var tools = new TestTools(Clock);
        var permissions = new ToolPermissions(["a", "b"]);
        var block = new ToolExecutionBlock(TestTools.ReadOnly([tools.Delayed("a", TimeSpan.FromMilliseconds(50), "secret"), tools.Delayed("b", TimeSpan.FromMilliseconds(10), "B")]), Options(permissions));
        ToolCall a = Call(0, "a", "{}");
        ToolCall dependent = Call(1, "b", """{"x": {"$future": "call_1_0"}}""");

        List<ToolPipelineEvent> events = Run(block, async target =>
        {
            target.Post(new ToolCallClosed(a) { Turn = 1 });
            await At(20);
            target.Post(new ToolCallClosed(dependent) { Turn = 1 });
            await At(30);
            Assert.True(permissions.Revoke("a"));
            await At(100);
            target.Post(Response(a, dependent));
        });

        Assert.Equal(
            [
                (0d, "closed call_1_0 a {}"), (0d, "permission call_1_0 Dispatch allowed r0"), (0d, "started call_1_0"),
                (20d, "closed call_1_1 b {\"x\": {\"$future\": \"call_1_0\"}}"), (20d, "ToolCallWaiting"),
                (50d, "permission call_1_0 Result denied r1"), (50d, "quarantined call_1_0 \"secret\""),
                (50d, "failed call_1_0 Quarantined"), (50d, "failed call_1_1 DependencyFailed"),
            ],
            events.Where(s_lifecycle).Timeline(Clock));

        // The event keeps the result and the refusal, for the ledger; the call's outcome says only that it was withheld.
        ToolResultQuarantined quarantined = Assert.Single(events.OfType<ToolResultQuarantined>());
        Assert.Equal("secret", quarantined.Result);
        Assert.Equal(new ToolPermissionDecision(false, "ToolPermissions", "1", "the tool 'a' is not permitted (permissions revision 1)"), quarantined.Decision);
        ToolCallFailed failed = events.OfType<ToolCallFailed>().First();
        Assert.Equal(TimeSpan.FromMilliseconds(50), failed.Duration);
        Assert.StartsWith("Error: the result of 'a' was withheld because permission to use it was revoked while the call ran", failed.ResultForModel, StringComparison.Ordinal);
        Assert.All(events.OfType<ToolCallFailed>(), f => Assert.DoesNotContain("secret", f.ResultForModel, StringComparison.Ordinal));
        Assert.DoesNotContain(events, e => e is ToolCallCompleted);
        Assert.Equal(["a"], tools.Invocations.Select(i => i.Name));
    }

    [Fact]
    public void Post_PolicyThrows_CallIsDeniedWithADiagnosticAndNeverRuns()
    {
        var tools = new TestTools(Clock);
        var policy = new ScriptedPolicy((_, _, _) => throw new InvalidOperationException("the permission store is down"));
        var block = new ToolExecutionBlock(TestTools.ReadOnly([tools.Delayed("a", TimeSpan.FromMilliseconds(50), "A")]), Options(policy));
        ToolCall a = Call(0, "a", "{}");

        List<ToolPipelineEvent> events = RunOne(block, a, respondAt: 100);

        Assert.Empty(tools.Invocations);
        Assert.Equal(
            [(0d, "closed call_1_0 a {}"), (0d, "diagnostic permission-check-failed"), (0d, "permission call_1_0 Dispatch denied r-"), (0d, "failed call_1_0 PermissionDenied")],
            events.Where(s_lifecycle).Timeline(Clock));
        DiagnosticReported diagnostic = Assert.Single(events.OfType<DiagnosticReported>());
        Assert.Contains("the permission store is down", diagnostic.Message, StringComparison.Ordinal);
        ToolCallPermissionChecked check = Assert.Single(events.OfType<ToolCallPermissionChecked>());
        Assert.Equal(new ToolPermissionDecision(false, nameof(ScriptedPolicy), null, "the permission check failed (InvalidOperationException)"), check.Decision);

        // The model learns the check failed, not the exception's text.
        Assert.DoesNotContain("store", Assert.Single(events.OfType<ToolCallFailed>()).ResultForModel, StringComparison.Ordinal);
    }

    [Fact]
    public void Post_PolicyThrowsOnTheResult_ResultIsQuarantined()
    {
        var tools = new TestTools(Clock);
        var policy = new ScriptedPolicy((call, checkpoint, _) => checkpoint == ToolPermissionCheckpoint.Dispatch
            ? ValueTask.FromResult(new ToolPermissionDecision(true, "scripted"))
            : ValueTask.FromException<ToolPermissionDecision>(new InvalidOperationException("down")));
        var block = new ToolExecutionBlock(TestTools.ReadOnly([tools.Delayed("a", TimeSpan.FromMilliseconds(50), "A")]), Options(policy));
        ToolCall a = Call(0, "a", "{}");

        List<ToolPipelineEvent> events = RunOne(block, a, respondAt: 100);

        Assert.Equal(
            [
                (0d, "closed call_1_0 a {}"), (0d, "permission call_1_0 Dispatch allowed r-"), (0d, "started call_1_0"),
                (50d, "diagnostic permission-check-failed"), (50d, "permission call_1_0 Result denied r-"),
                (50d, "quarantined call_1_0 \"A\""), (50d, "failed call_1_0 Quarantined"),
            ],
            events.Where(s_lifecycle).Timeline(Clock));
    }

    [Fact]
    public void Post_PolicyTakesLongerThanTheTimeout_CallIsDeniedWhenItFallsDueAndThePolicyIsCancelled()
    {
        var tools = new TestTools(Clock);
        CancellationToken seen = default;
        var policy = new ScriptedPolicy(async (_, _, token) =>
        {
            seen = token;
            await Task.Delay(TimeSpan.FromSeconds(1), Clock, CancellationToken.None).ConfigureAwait(false);
            return new ToolPermissionDecision(true, "slow");
        });
        ToolExecutionBlockOptions options = Options(policy);
        options.PermissionCheckTimeout = TimeSpan.FromMilliseconds(100);
        var block = new ToolExecutionBlock(TestTools.ReadOnly([tools.Delayed("a", TimeSpan.FromMilliseconds(50), "A")]), options);
        ToolCall a = Call(0, "a", "{}");

        List<ToolPipelineEvent> events = Run(block, async target =>
        {
            await At(10);
            target.Post(new ToolCallClosed(a) { Turn = 1 });
            await At(2000);
            target.Post(Response(a));
        });

        Assert.Empty(tools.Invocations);
        Assert.Equal(
            [(10d, "closed call_1_0 a {}"), (110d, "diagnostic permission-check-timed-out"), (110d, "permission call_1_0 Dispatch denied r-"), (110d, "failed call_1_0 PermissionDenied")],
            events.Where(s_lifecycle).Timeline(Clock));
        Assert.True(seen.IsCancellationRequested);
        Assert.Contains("did not answer within 100 ms", events.OfType<ToolCallFailed>().Single().ResultForModel, StringComparison.Ordinal);
    }

    [Fact]
    public void CancelCall_WhileTheDispatchCheckRuns_CancelsTheCheckAndTheToolNeverRuns()
    {
        var tools = new TestTools(Clock);
        var asked = new TaskCompletionSource<CancellationToken>();
        var policy = new ScriptedPolicy(async (_, _, token) =>
        {
            asked.SetResult(token);
            await Task.Delay(Timeout.InfiniteTimeSpan, Clock, token).ConfigureAwait(false);
            return new ToolPermissionDecision(true, "never");
        });
        var block = new ToolExecutionBlock(TestTools.ReadOnly([tools.Delayed("a", TimeSpan.FromMilliseconds(50), "A")]), Options(policy));
        ToolCall a = Call(0, "a", "{}");

        List<ToolPipelineEvent> events = Run(block, async target =>
        {
            target.Post(new ToolCallClosed(a) { Turn = 1 });
            CancellationToken token = await asked.Task;
            await At(20);
            Assert.True(block.CancelCall(a.CallId));
            Assert.True(token.IsCancellationRequested);
            await At(100);
            target.Post(Response(a));
        });

        Assert.Empty(tools.Invocations);
        Assert.Equal([(0d, "closed call_1_0 a {}"), (20d, "failed call_1_0 Cancelled")], events.Where(s_lifecycle).Timeline(Clock));
        Assert.Equal(0, Clock.PendingTimers);
    }

    [Fact]
    public void Post_RetriedCall_IsCheckedOnceAtDispatchAndOnceOnItsResult()
    {
        var tools = new TestTools(Clock);
        var policy = new ScriptedPolicy((_, _, _) => ValueTask.FromResult(new ToolPermissionDecision(true, "scripted")));
        int attempts = 0;
        AIFunction flaky = tools.Computing("flaky", TimeSpan.FromMilliseconds(10), _ => ++attempts < 3 ? throw new InvalidOperationException("again") : "done");
        var descriptor = new ToolDescriptor(flaky, ToolEffects.Idempotent) { Retry = new ToolRetryPolicy { MaxRetryAttempts = 3, BaseDelay = TimeSpan.FromMilliseconds(5), UseJitter = false } };
        var block = new ToolExecutionBlock([descriptor], Options(policy));
        ToolCall call = Call(0, "flaky", "{}");

        List<ToolPipelineEvent> events = RunOne(block, call, respondAt: 200);

        Assert.Equal(3, attempts);
        Assert.Equal([ToolPermissionCheckpoint.Dispatch, ToolPermissionCheckpoint.Result], policy.Asked.Select(a => a.Checkpoint));
        Assert.Single(events.OfType<ToolCallCompleted>());
    }

    [Fact]
    public void Post_ToolWithItsOwnPolicy_UsesItInsteadOfTheBlocks()
    {
        var tools = new TestTools(Clock);
        var blockPolicy = new ToolPermissions(["a", "b"], "block");
        var own = new ToolPermissions([], "own");
        var block = new ToolExecutionBlock(
            [
                new ToolDescriptor(tools.Delayed("a", TimeSpan.FromMilliseconds(10), "A"), ToolEffects.ReadOnly),
                new ToolDescriptor(tools.Delayed("b", TimeSpan.FromMilliseconds(10), "B"), ToolEffects.ReadOnly) { PermissionPolicy = own },
            ],
            Options(blockPolicy));
        ToolCall a = Call(0, "a", "{}"), b = Call(1, "b", "{}");

        List<ToolPipelineEvent> events = Run(block, async target =>
        {
            target.Post(new ToolCallClosed(a) { Turn = 1 });
            target.Post(new ToolCallClosed(b) { Turn = 1 });
            await At(100);
            target.Post(Response(a, b));
        });

        Assert.Equal(["a"], tools.Invocations.Select(i => i.Name));
        Assert.Equal(
            [("call_1_0", "block", true), ("call_1_1", "own", false), ("call_1_0", "block", true)],
            events.OfType<ToolCallPermissionChecked>().Select(c => (c.Call.CallId, c.Decision.Policy, c.Decision.Allowed)));
    }

    [Fact]
    public void Post_SynchronousToolAndBatchedTool_AreCheckedLikeAnyOther()
    {
        var tools = new TestTools(Clock);
        var permissions = new ToolPermissions(["sync", "fetch"]);
        static ValueTask<IReadOnlyList<object?>> FetchMany(IReadOnlyList<AIFunctionArguments> arguments, CancellationToken cancellationToken) =>
            ValueTask.FromResult<IReadOnlyList<object?>>([.. arguments.Select(a => (object?)$"page {a["n"]}")]);
        var block = new ToolExecutionBlock(
            [
                new ToolDescriptor(AIFunctionFactory.Create(() => "S", "sync"), ToolEffects.ReadOnly) { CompletesSynchronously = true },
                new ToolDescriptor(tools.Delayed("fetch", TimeSpan.Zero, "unused"), ToolEffects.ReadOnly) { BatchInvoker = FetchMany },
            ],
            Options(permissions));
        ToolCall sync = Call(0, "sync", "{}"), fetch = Call(1, "fetch", """{"n": 1}""");

        List<ToolPipelineEvent> events = Run(block, async target =>
        {
            target.Post(new ToolCallClosed(sync) { Turn = 1 });
            target.Post(new ToolCallClosed(fetch) { Turn = 1 });
            await At(100);
            target.Post(Response(sync, fetch));
        });

        Assert.Equal(
            [
                (0d, "closed call_1_0 sync {}"), (0d, "permission call_1_0 Dispatch allowed r0"), (0d, "started call_1_0"),
                (0d, "permission call_1_0 Result allowed r0"), (0d, "completed call_1_0 \"S\""),
                (0d, "closed call_1_1 fetch {\"n\": 1}"), (0d, "permission call_1_1 Dispatch allowed r0"), (0d, "started call_1_1"),
                (0d, "permission call_1_1 Result allowed r0"), (0d, "completed call_1_1 \"page 1\""),
            ],
            events.Where(s_lifecycle).Timeline(Clock));
    }

    [Fact]
    public void Post_ToolThatNeedsApproval_IsCheckedAfterItsApprovalOffTheLock()
    {
        var tools = new TestTools(Clock);
        ToolExecutionBlock? block = null;
        bool lockFree = false;
        var policy = new ScriptedPolicy((_, _, _) =>
        {
            // The block's lock is free while a policy decides: another thread can use the block.
            lockFree = Task.Run(() => block!.CancelCall("no such call")).Wait(TimeSpan.FromMinutes(1));
            return ValueTask.FromResult(new ToolPermissionDecision(true, "scripted"));
        });
        ToolExecutionBlockOptions options = Options(policy);
        options.ApprovalHandler = static (_, _) => ValueTask.FromResult(true);
        block = new ToolExecutionBlock([new ToolDescriptor(tools.Delayed("a", TimeSpan.FromMilliseconds(10), "A"), ToolEffects.ReadOnly) { RequiresApproval = true }], options);
        ToolCall a = Call(0, "a", "{}");

        List<ToolPipelineEvent> events = RunOne(block, a, respondAt: 100);

        Assert.True(lockFree);
        Assert.Equal(
            ["ToolCallApprovalRequested", "permission call_1_0 Dispatch allowed r-", "started call_1_0", "permission call_1_0 Result allowed r-", "completed call_1_0 \"A\""],
            events.Where(e => s_lifecycle(e) || e is ToolCallApprovalRequested).Where(e => e is not (ToolCallClosed or ToolCallWaiting)).Select(Describe));
    }

    [Fact]
    public void Post_PolicyReadsAnAsyncLocal_SeesTheContextTheCallClosedIn()
    {
        var tools = new TestTools(Clock);
        var user = new AsyncLocal<string?>();
        var seen = new List<string?>();
        var policy = new ScriptedPolicy((_, _, _) =>
        {
            lock (seen)
            {
                seen.Add(user.Value);
            }

            return ValueTask.FromResult(new ToolPermissionDecision(true, "scripted"));
        });
        var block = new ToolExecutionBlock(TestTools.ReadOnly([tools.Delayed("a", TimeSpan.FromMilliseconds(10), "A")]), Options(policy));
        ToolCall a = Call(0, "a", "{}");

        Run(block, async target =>
        {
            user.Value = "alice";
            target.Post(new ToolCallClosed(a) { Turn = 1 });
            user.Value = null;
            await At(100);
            target.Post(Response(a));
        });

        Assert.Equal(["alice", "alice"], seen);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-2)]
    public void PermissionCheckTimeout_OutOfRange_Throws(int milliseconds)
    {
        var options = new ToolExecutionBlockOptions();
        Assert.Throws<ArgumentOutOfRangeException>(() => options.PermissionCheckTimeout = TimeSpan.FromMilliseconds(milliseconds));
        Assert.Throws<ArgumentOutOfRangeException>(() => options.PermissionCheckTimeout = TimeSpan.FromMilliseconds(int.MaxValue + 1d));
        options.PermissionCheckTimeout = Timeout.InfiniteTimeSpan;
        Assert.Equal(Timeout.InfiniteTimeSpan, options.PermissionCheckTimeout);
        Assert.Equal(TimeSpan.FromSeconds(10), new ToolExecutionBlockOptions().PermissionCheckTimeout);
    }

    /// <summary>A policy whose answers the test writes, recording what it was asked.</summary>
    private sealed class ScriptedPolicy(Func<ToolCall, ToolPermissionCheckpoint, CancellationToken, ValueTask<ToolPermissionDecision>> decide) : IToolPermissionPolicy
    {
        public List<(string CallId, ToolPermissionCheckpoint Checkpoint)> Asked { get; } = [];

        public ValueTask<ToolPermissionDecision> CheckAsync(ToolCall call, ToolPermissionCheckpoint checkpoint, CancellationToken cancellationToken)
        {
            lock (Asked)
            {
                Asked.Add((call.CallId, checkpoint));
            }

            return decide(call, checkpoint, cancellationToken);
        }
    }
}
