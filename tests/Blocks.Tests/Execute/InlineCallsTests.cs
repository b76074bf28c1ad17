using System.Diagnostics;
using System.Text.Json;
using System.Threading.Tasks.Dataflow;
using Microsoft.Extensions.AI;
using ToolFlow.Testing;
using static ToolFlow.Blocks.Tests.Events;

namespace ToolFlow.Blocks.Tests;

/// <summary>
/// The synchronous fast path (<see cref="ToolDescriptor.CompletesSynchronously"/>): each test runs the same calls with
/// and without it, and the block must behave the same (events, order, caps, cancellation, failures), only with no hop.
/// </summary>
public sealed class InlineCallsTests : ManualClockTests
{
    private ToolExecutionBlockOptions Options(int maxConcurrency = 16) => new()
    {
        TimeProvider = Clock,
        TaskScheduler = Scheduler,
        MaxConcurrency = maxConcurrency,
    };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Post_MixedCalls_TimelineIsTheAsynchronousPathsEitherWay(bool inline)
    {
        var tools = new TestTools(Clock);
        ToolDescriptor[] descriptors =
        [
            new(tools.Computing("echo", TimeSpan.Zero, a => ((JsonElement)a["x"]!).GetInt32() * 10), ToolEffects.ReadOnly) { CompletesSynchronously = inline },
            new(tools.Throwing("boom", TimeSpan.Zero, new InvalidOperationException("boom")), ToolEffects.ReadOnly) { CompletesSynchronously = inline },
            new(tools.Delayed("slow", TimeSpan.FromMilliseconds(50), "S"), ToolEffects.ReadOnly) { CompletesSynchronously = inline },
            new(tools.Delayed("timed", TimeSpan.Zero, "T"), ToolEffects.ReadOnly) { CompletesSynchronously = inline, Timeout = TimeSpan.FromMilliseconds(5) },
            new(tools.Delayed("write", TimeSpan.Zero, "W")) { CompletesSynchronously = inline },
        ];
        var block = new ToolExecutionBlock(descriptors, Options(maxConcurrency: 2));
        ToolCall[] calls =
        [
            Call(0, "echo", """{"x": 1}"""), Call(1, "boom", "{}"), Call(2, "echo", """{"x": 1}"""), Call(3, "slow", "{}"),
            Call(4, "timed", "{}"), Call(5, "write", "{}"), Call(6, "echo", """{"x": 2}"""),
        ];

        List<ToolPipelineEvent> events = Run(block, async target =>
        {
            foreach (ToolCall call in calls[..4])
            {
                target.Post(new ToolCallClosed(call) { Turn = 1 });
            }

            await At(10);
            foreach (ToolCall call in calls[4..])
            {
                target.Post(new ToolCallClosed(call) { Turn = 1 });
            }

            await At(20);
            target.Post(Response(calls));
        });

        // What the asynchronous path does: the duplicate follows the first echo, the slow tool holds one of the two
        // slots for 50 ms (its invocation does not complete synchronously, so it goes on asynchronously), the
        // side-effecting write waits for the response. Each call's events, in time order (calls that share an instant
        // may interleave differently: the fast path ends a call before the block takes its next message).
        Assert.Equal(
            [
                (0d, "call_1_0", "closed call_1_0 echo {\"x\": 1}"), (0d, "call_1_0", "started call_1_0"), (0d, "call_1_0", "completed call_1_0 10"),
                (0d, "call_1_1", "closed call_1_1 boom {}"), (0d, "call_1_1", "started call_1_1"), (0d, "call_1_1", "failed call_1_1 ToolException"),
                (0d, "call_1_2", "closed call_1_2 echo {\"x\": 1}"), (0d, "call_1_2", "ToolCallDeduplicated"), (0d, "call_1_2", "completed call_1_2 10"),
                (0d, "call_1_3", "closed call_1_3 slow {}"), (0d, "call_1_3", "started call_1_3"),
                (10d, "call_1_4", "closed call_1_4 timed {}"), (10d, "call_1_4", "started call_1_4"), (10d, "call_1_4", "completed call_1_4 \"T\""),
                (10d, "call_1_5", "closed call_1_5 write {}"), (10d, "call_1_5", "ToolCallWaiting"),
                (10d, "call_1_6", "closed call_1_6 echo {\"x\": 2}"), (10d, "call_1_6", "started call_1_6"), (10d, "call_1_6", "completed call_1_6 20"),
                (20d, "call_1_5", "started call_1_5"), (20d, "call_1_5", "completed call_1_5 \"W\""),
                (50d, "call_1_3", "completed call_1_3 \"S\""),
            ],
            events.Select(e => (Ms: e.Ms(Clock), CallId: CallOf(e)?.CallId, What: Describe(e))).Where(e => e.CallId is not null).OrderBy(e => e.Ms).ThenBy(e => e.CallId, StringComparer.Ordinal));
        Assert.Equal(0, Clock.PendingTimers);
    }

    [Fact]
    public void Post_SynchronousTool_RunsWhereItsCallClosedWithNoHop()
    {
        // The same call through two blocks: the fast path runs the tool in the block's own step, so the scheduler runs
        // exactly one task fewer (the tool's).
        var tools = new TestTools(Clock);
        int Tasks(bool inline)
        {
            var block = new ToolExecutionBlock([new ToolDescriptor(tools.Delayed("echo", TimeSpan.Zero, "E"), ToolEffects.ReadOnly) { CompletesSynchronously = inline }], Options());
            Assert.True(block.Post(new ToolCallClosed(Call(0, "echo", "{}")) { Turn = 1 }));
            int tasks = Scheduler.RunUntilIdle();
            Assert.True(block.TryReceiveAll(out IList<ToolPipelineEvent>? events));
            Assert.Equal(["closed call_1_0 echo {}", "started call_1_0", "completed call_1_0 \"E\""], events.Select(Describe));
            return tasks;
        }

        Assert.Equal(Tasks(inline: false) - 1, Tasks(inline: true));
    }

    [Fact]
    public void Post_ManyCallsQueuedBehindACap_EachRunsAfterTheLastWithoutNesting()
    {
        // 2,000 side-effecting calls become ready in one step behind a cap of 1: each call's end frees the slot for
        // the next, which runs in the same loop, not inside the call before it (the stack stays as deep as it was).
        const int Count = 2_000;
        int running = 0, maxRunning = 0;
        var depths = new List<int>();
        AIFunction work = AIFunctionFactory.Create(
            (int n) =>
            {
                maxRunning = Math.Max(maxRunning, ++running);
                depths.Add(new StackTrace().FrameCount);
                running--;
                return n;
            },
            "work");
        var block = new ToolExecutionBlock([new ToolDescriptor(work) { CompletesSynchronously = true }], Options(maxConcurrency: 1));
        ToolCall[] calls = [.. Enumerable.Range(0, Count).Select(i => Call(i, "work", $$"""{"n": {{i}}}"""))];

        List<ToolPipelineEvent> events = Run(block, target =>
        {
            foreach (ToolCall call in calls)
            {
                target.Post(new ToolCallClosed(call) { Turn = 1 });
            }

            target.Post(Response(calls));
            return Task.CompletedTask;
        });

        Assert.Equal(Enumerable.Range(0, Count), events.OfType<ToolCallCompleted>().Select(c => ((JsonElement)c.Result!).GetInt32()));
        Assert.Equal(1, maxRunning);
        Assert.Equal(Count, depths.Count);
        Assert.Equal(depths[1], depths.Skip(1).Max());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void CancelCall_FromInsideTheRunningTool_CallFailsAsCancelledAndItsResultIsDiscarded(bool inline)
    {
        ToolExecutionBlock? block = null;
        AIFunction quit = AIFunctionFactory.Create(
            (CancellationToken cancellationToken) =>
            {
                bool cancelled = block!.CancelCall("call_1_0");
                return $"{cancelled} {cancellationToken.IsCancellationRequested}";
            },
            "quit");
        block = new ToolExecutionBlock([new ToolDescriptor(quit, ToolEffects.ReadOnly) { CompletesSynchronously = inline }], Options());
        ToolCall call = Call(0, "quit", "{}");

        List<ToolPipelineEvent> events = Run(block, target =>
        {
            target.Post(new ToolCallClosed(call) { Turn = 1 });
            target.Post(Response(call));
            return Task.CompletedTask;
        });

        // The call ends as cancelled, then its token fires (the tool sees it), and its result comes late, as stale.
        Assert.Equal(
            ["closed call_1_0 quit {}", "started call_1_0", "failed call_1_0 Cancelled", "ToolResultDiscarded"],
            events.Where(e => e is not ResponseCompleted).Select(Describe));
        Assert.Equal("True True", events.OfType<ToolResultDiscarded>().Single().Result?.ToString());
    }

    [Fact]
    public void Approve_SynchronousTool_RunsBeforeApproveReturns()
    {
        // The decision's gate step starts the call under the lock; it runs once the lock is released, on this thread.
        int ran = 0;
        AIFunction work = AIFunctionFactory.Create(() => ++ran, "work");
        var options = Options();
        options.ExternalApproval = true;
        var block = new ToolExecutionBlock([new ToolDescriptor(work, ToolEffects.ReadOnly) { CompletesSynchronously = true, RequiresApproval = true }], options);
        Assert.True(block.Post(new ToolCallClosed(Call(0, "work", "{}")) { Turn = 1 }));
        Scheduler.RunUntilIdle();
        Assert.Equal(0, ran);

        Assert.Equal(ToolControlResult.Applied, block.Approve("call_1_0"));

        Assert.Equal(1, ran);
        Assert.True(block.TryReceiveAll(out IList<ToolPipelineEvent>? events));
        Assert.Equal("completed call_1_0 1", Describe(events[^1]));
    }

    [Fact]
    public void CancelCall_OriginalOfAFollower_FollowerRunsBeforeCancelCallReturns()
    {
        // The first invocation goes on asynchronously (it waits for a gate the test never opens); the identical call
        // follows it. Cancelling the first makes the follower run after all, inline, in the cancelling step.
        var never = new TaskCompletionSource<object?>();
        int invocations = 0;
        AIFunction work = AIFunctionFactory.Create(() => ++invocations == 1 ? never.Task : Task.FromResult<object?>("second"), "work");
        var block = new ToolExecutionBlock([new ToolDescriptor(work, ToolEffects.ReadOnly) { CompletesSynchronously = true }], Options());
        Assert.True(block.Post(new ToolCallClosed(Call(0, "work", "{}")) { Turn = 1 }));
        Assert.True(block.Post(new ToolCallClosed(Call(1, "work", "{}")) { Turn = 1 }));
        Scheduler.RunUntilIdle();
        Assert.True(block.TryReceiveAll(out IList<ToolPipelineEvent>? before));
        Assert.Equal("ToolCallDeduplicated", Describe(before[^1]));

        Assert.True(block.CancelCall("call_1_0"));

        Assert.Equal(2, invocations);
        Assert.True(block.TryReceiveAll(out IList<ToolPipelineEvent>? after));
        Assert.Equal(["failed call_1_0 Cancelled", "started call_1_1", "completed call_1_1 \"second\""], after.Select(Describe));
    }

    [Fact]
    public void Post_TwoConversationsOnOneSlot_EveryCallRunsOnceAndTheCapHolds()
    {
        // One executor, one slot, two blocks: a call that ends frees the slot for the other conversation's next call.
        var executor = new ToolExecutor(new ToolExecutorOptions { MaxConcurrency = 1, TimeProvider = Clock, TaskScheduler = Scheduler });
        int running = 0, maxRunning = 0, ran = 0;
        AIFunction work = AIFunctionFactory.Create(
            () =>
            {
                maxRunning = Math.Max(maxRunning, ++running);
                ran++;
                running--;
                return "ok";
            },
            "work");
        ToolDescriptor[] tools = [new ToolDescriptor(work) { CompletesSynchronously = true }];
        ToolExecutionBlock Block() => new(tools, new ToolExecutionBlockOptions { TimeProvider = Clock, TaskScheduler = Scheduler, Executor = executor });
        ToolExecutionBlock first = Block(), second = Block();
        ToolCall[] calls = [.. Enumerable.Range(0, 50).Select(i => Call(i, "work", "{}"))];

        var events = new List<ToolPipelineEvent>();
        VirtualTime.Run(Clock, Scheduler, async () =>
        {
            foreach (ToolExecutionBlock block in (ToolExecutionBlock[])[first, second])
            {
                block.LinkTo(Sink(events, Scheduler), new DataflowLinkOptions { PropagateCompletion = true });
                foreach (ToolCall call in calls)
                {
                    block.Post(new ToolCallClosed(call) { Turn = 1 });
                }

                block.Post(Response(calls));
                block.Complete();
            }

            await Task.WhenAll(first.Completion, second.Completion);
        });

        Assert.Equal(100, ran);
        Assert.Equal(1, maxRunning);
        Assert.Equal(100, events.OfType<ToolCallCompleted>().Count());
        Assert.Equal(0, executor.Running);
    }

    private static ToolCall? CallOf(ToolPipelineEvent e) => e switch
    {
        ToolCallClosed c => c.Call,
        ToolCallStarted s => s.Call,
        ToolCallCompleted c => c.Call,
        ToolCallFailed f => f.Call,
        ToolCallWaiting w => w.Call,
        ToolCallDeduplicated d => d.Call,
        _ => null,
    };
}
