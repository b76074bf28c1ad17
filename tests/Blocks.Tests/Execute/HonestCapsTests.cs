using System.Text.Json;
using System.Threading.Tasks.Dataflow;
using Microsoft.Extensions.AI;
using ToolFlow.Testing;
using static ToolFlow.Blocks.Tests.Events;

namespace ToolFlow.Blocks.Tests;

/// <summary>
/// Caps count tool bodies, not calls: a call that timed out or was cancelled has its outcome at once, but a body that
/// ignores its token keeps its slot until it returns, and one that outlives the grace period is reported.
/// </summary>
public sealed class HonestCapsTests : ManualClockTests
{
    private static readonly TimeSpan s_grace = TimeSpan.FromMilliseconds(150);

    private ToolExecutionBlockOptions Options(int maxConcurrency = 1) => new()
    {
        TimeProvider = Clock,
        TaskScheduler = Scheduler,
        MaxConcurrency = maxConcurrency,
        OverrunGracePeriod = s_grace,
    };

    private static List<(double Ms, string What)> Timeline(IEnumerable<ToolPipelineEvent> events, ManualTimeProvider clock) =>
        [.. events.Where(e => e is not (ToolCallClosed or ResponseCompleted or ToolCallsBatched or ToolCallWaiting)).Select(e => (e.Ms(clock), e switch
        {
            ToolCallFailed f => $"failed {f.Call.CallId} {f.Kind}",
            ToolCallBodyOverran o => $"overran {o.Call.CallId} {o.Call.Name} {o.SinceCallEnded.TotalMilliseconds}",
            ToolCallBodyReturned r => $"returned {r.Call.CallId} {r.SinceCallEnded.TotalMilliseconds}",
            ToolResultDiscarded d => $"discarded {d.Call.CallId}",
            ToolCallRetrying r => $"retrying {r.Call.CallId} {r.Attempt}",
            _ => Describe(e),
        }))];

    [Fact]
    public void Timeout_BodyIgnoresItsTokenWithCapOne_NextCallStartsOnlyWhenTheBodyReturns()
    {
        var stubborn = new StubbornTool(Clock);
        var block = new ToolExecutionBlock([new ToolDescriptor(stubborn, ToolEffects.ReadOnly) { Timeout = TimeSpan.FromMilliseconds(100) }], Options());
        ToolCall a = Call(0, "stubborn", """{"ms": 300, "n": 1}"""), b = Call(1, "stubborn", """{"ms": 300, "n": 2}""");
        var running = new List<(double, int, int, long)>();

        List<ToolPipelineEvent> events = Run(block, async target =>
        {
            target.Post(new ToolCallClosed(a) { Turn = 1 });
            target.Post(new ToolCallClosed(b) { Turn = 1 });
            target.Post(Response(a, b));
            foreach (double ms in new[] { 200d, 260d, 560d, 700d })
            {
                await At(ms);
                running.Add((ms, block.Executor.Running, block.Executor.OverrunningBodies, block.Executor.TotalOverruns));
            }
        });

        // Each call fails at its timeout; its body keeps the one slot until it returns at 300 ms after it started,
        // and is reported once the grace period (150 ms) after its call ended has passed.
        Assert.Equal(
            [
                (0d, "started call_1_0"),
                (100d, "failed call_1_0 TimedOut"),
                (250d, "overran call_1_0 stubborn 150"),
                (300d, "returned call_1_0 200"),
                (300d, "started call_1_1"),
                (400d, "failed call_1_1 TimedOut"),
                (550d, "overran call_1_1 stubborn 150"),
                (600d, "returned call_1_1 200"),
            ],
            Timeline(events, Clock));
        Assert.Equal([(200d, 1, 0, 0L), (260d, 1, 1, 1L), (560d, 1, 1, 2L), (700d, 0, 0, 2L)], running);
        Assert.Equal(1, stubborn.MaxRunning);
        Assert.Equal([0d, 300d], stubborn.Starts);
    }

    [Fact]
    public void Timeout_BodyReturnsWithinTheGracePeriod_NoOverrunIsReported()
    {
        var stubborn = new StubbornTool(Clock);
        var block = new ToolExecutionBlock([new ToolDescriptor(stubborn, ToolEffects.ReadOnly) { Timeout = TimeSpan.FromMilliseconds(100) }], Options());
        ToolCall a = Call(0, "stubborn", """{"ms": 200}"""), b = Call(1, "stubborn", """{"ms": 50}""");

        List<ToolPipelineEvent> events = Run(block, target =>
        {
            target.Post(new ToolCallClosed(a) { Turn = 1 });
            target.Post(new ToolCallClosed(b) { Turn = 1 });
            target.Post(Response(a, b));
            return Task.CompletedTask;
        });

        Assert.Equal(
            [(0d, "started call_1_0"), (100d, "failed call_1_0 TimedOut"), (200d, "started call_1_1"), (250d, "completed call_1_1 50")],
            Timeline(events, Clock));
        Assert.Equal(0, block.Executor.TotalOverruns);
    }

    [Fact]
    public void Retry_AbandonedBodyReturnsWithinTheNextAttemptsTimeout_NextAttemptStartsItsBodyWhenItReturns()
    {
        // Attempt 1 runs 150 ms and times out at 100; the retry is due at 110 and waits for the slot its body holds.
        var stubborn = new StubbornTool(Clock, 150, 20);
        var block = new ToolExecutionBlock([Retrying(stubborn)], Options());
        ToolCall call = Call(0, "stubborn", "{}");

        List<ToolPipelineEvent> events = Run(block, target =>
        {
            target.Post(new ToolCallClosed(call) { Turn = 1 });
            target.Post(Response(call));
            return Task.CompletedTask;
        });

        Assert.Equal([(0d, "started call_1_0"), (100d, "retrying call_1_0 1"), (170d, "completed call_1_0 20")], Timeline(events, Clock));
        Assert.Equal([0d, 150d], stubborn.Starts);
        Assert.Equal(1, stubborn.MaxRunning);
    }

    [Fact]
    public void Retry_AbandonedBodyOutlastsTheNextAttemptsTimeout_CallTimesOutWithoutASecondBody()
    {
        // The retry due at 110 waits for the first body until its own timeout, at 210: no second body ever runs.
        var stubborn = new StubbornTool(Clock, 400, 20);
        var block = new ToolExecutionBlock([Retrying(stubborn)], Options());
        ToolCall call = Call(0, "stubborn", "{}");

        List<ToolPipelineEvent> events = Run(block, async target =>
        {
            target.Post(new ToolCallClosed(call) { Turn = 1 });
            target.Post(Response(call));
            await At(500);
        });

        Assert.Equal(
            [
                (0d, "started call_1_0"),
                (100d, "retrying call_1_0 1"),
                (210d, "failed call_1_0 TimedOut"),
                (360d, "overran call_1_0 stubborn 150"),
                (400d, "returned call_1_0 190"),
            ],
            Timeline(events, Clock));
        Assert.Equal([0d], stubborn.Starts);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Cancel_BodyIgnoresItsToken_CallEndsAtOnceAndItsBodyHoldsTheSlotUntilItReturns(bool branch)
    {
        var stubborn = new StubbornTool(Clock);
        var block = new ToolExecutionBlock([new ToolDescriptor(stubborn, ToolEffects.ReadOnly)], Options());
        ToolCall a = Call(0, "stubborn", """{"ms": 300}"""), b = Call(1, "stubborn", """{"ms": 10}""");

        List<ToolPipelineEvent> events = Run(block, async target =>
        {
            target.Post(new ToolCallClosed(a) { Turn = 1 });
            target.Post(new ToolCallClosed(b) { Turn = 1 });
            target.Post(Response(a, b));
            await At(50);
            _ = branch ? block.CancelBranch(a.CallId) : block.CancelCall(a.CallId) ? 1 : 0;
        });

        // The late result is stale, never merged; the body's return gives the slot to b.
        Assert.Equal(
            [
                (0d, "started call_1_0"),
                (50d, "failed call_1_0 Cancelled"),
                (200d, "overran call_1_0 stubborn 150"),
                (300d, "discarded call_1_0"),
                (300d, "returned call_1_0 250"),
                (300d, "started call_1_1"),
                (310d, "completed call_1_1 10"),
            ],
            Timeline(events, Clock));
        Assert.Equal(1, stubborn.MaxRunning);
        Assert.Equal((0, 0, 1L), (block.Executor.Running, block.Executor.OverrunningBodies, block.Executor.TotalOverruns));
    }

    [Fact]
    public void Cancel_BatchWhoseBodyIgnoresItsToken_BatchHoldsTheSlotUntilItReturns()
    {
        int running = 0, maxRunning = 0;
        var starts = new List<double>();
        async ValueTask<IReadOnlyList<object?>> FetchMany(IReadOnlyList<AIFunctionArguments> arguments, CancellationToken cancellationToken)
        {
            starts.Add(Clock.Elapsed.TotalMilliseconds);
            maxRunning = Math.Max(maxRunning, ++running);
            await Task.Delay(TimeSpan.FromMilliseconds(300), Clock, CancellationToken.None).ConfigureAwait(false);
            running--;
            return [.. arguments.Select(a => (object?)$"page {a["id"]}")];
        }

        // Side-effecting, so a and b become ready together at the response's end and go out as one batch.
        var tools = new TestTools(Clock);
        var stubborn = new StubbornTool(Clock);
        var block = new ToolExecutionBlock(
            [
                new ToolDescriptor(tools.Delayed("fetch", TimeSpan.Zero, "unused"), ToolEffects.SideEffecting) { BatchInvoker = FetchMany },
                new ToolDescriptor(stubborn, ToolEffects.ReadOnly),
            ],
            Options());
        ToolCall a = Call(0, "fetch", """{"id": 1}"""), b = Call(1, "fetch", """{"id": 2}"""), c = Call(2, "stubborn", """{"ms": 10}""");

        List<ToolPipelineEvent> events = Run(block, async target =>
        {
            target.Post(new ToolCallClosed(a) { Turn = 1 });
            target.Post(new ToolCallClosed(b) { Turn = 1 });
            target.Post(Response(a, b));
            await At(10);
            target.Post(new ToolCallClosed(c) { Turn = 1 });
            await At(50);
            block.CancelCall(a.CallId);
            await At(70);
            block.CancelCall(b.CallId);
        });

        // The batch is watched once both its calls have ended (70 ms), and c waits for its body to return.
        Assert.Equal(
            [
                (0d, "started call_1_0"),
                (0d, "started call_1_1"),
                (50d, "failed call_1_0 Cancelled"),
                (70d, "failed call_1_1 Cancelled"),
                (220d, "overran call_1_0 fetch 150"),
                (220d, "overran call_1_1 fetch 150"),
                (300d, "discarded call_1_0"),
                (300d, "discarded call_1_1"),
                (300d, "returned call_1_0 230"),
                (300d, "returned call_1_1 230"),
                (300d, "started call_1_2"),
                (310d, "completed call_1_2 10"),
            ],
            Timeline(events, Clock));
        Assert.Equal([0d], starts);
        Assert.Equal(1, maxRunning);
        Assert.Equal(1, block.Executor.TotalOverruns);
    }

    [Fact]
    public async Task Complete_CancelledBodyNeverReturns_BlockCompletesAtTheGracePeriodAndTheSlotStaysTaken()
    {
        var never = new TaskCompletionSource<object?>();
        AIFunction hang = new DelegateTool("hang", _ => never.Task);
        var block = new ToolExecutionBlock([new ToolDescriptor(hang, ToolEffects.ReadOnly)], Options());
        ToolCall call = Call(0, "hang", "{}");
        double completedAt = 0;
        (int Running, int Overrunning) after = default;

        VirtualTime.Run(Clock, Scheduler, async () =>
        {
            var events = new List<ToolPipelineEvent>();
            ActionBlock<ToolPipelineEvent> sink = Sink(events, Scheduler);
            block.LinkTo(sink, new DataflowLinkOptions { PropagateCompletion = true });
            block.Post(new ToolCallClosed(call) { Turn = 1 });
            block.Post(Response(call));
            await At(50);
            block.CancelCall(call.CallId);
            block.Complete();
            await sink.Completion;
            completedAt = Clock.Elapsed.TotalMilliseconds;
            after = (block.Executor.Running, block.Executor.OverrunningBodies);
            Assert.Equal(["failed call_1_0 Cancelled", "overran call_1_0 hang 150"], Timeline(events, Clock).Select(e => e.What).Where(w => !w.StartsWith("started", StringComparison.Ordinal)));
        });

        // The block waited for the body only the grace period; the body still holds its slot.
        Assert.Equal(200d, completedAt);
        Assert.Equal((1, 1), after);
        // Returned on a thread with no context, where the body's continuations run inline and give the slot back.
        await Task.Run(() => never.SetResult("late"));
        Assert.Equal((0, 0), (block.Executor.Running, block.Executor.OverrunningBodies));
    }

    [Fact]
    public void SharedExecutor_GlobalCapOne_AnotherConversationWaitsForTheOverrunningBody()
    {
        var stubborn = new StubbornTool(Clock);
        var executor = new ToolExecutor(new ToolExecutorOptions { MaxConcurrency = 1, TimeProvider = Clock, TaskScheduler = Scheduler });
        ToolDescriptor[] tools = [new ToolDescriptor(stubborn, ToolEffects.ReadOnly) { Timeout = TimeSpan.FromMilliseconds(100) }];
        ToolExecutionBlockOptions Shared() => new() { TimeProvider = Clock, TaskScheduler = Scheduler, Executor = executor, OverrunGracePeriod = s_grace };
        var first = new ToolExecutionBlock(tools, Shared());
        var second = new ToolExecutionBlock(tools, Shared());
        var events = new List<ToolPipelineEvent>();

        VirtualTime.Run(Clock, Scheduler, async () =>
        {
            ActionBlock<ToolPipelineEvent> sink1 = Sink(events, Scheduler), sink2 = Sink(events, Scheduler);
            first.LinkTo(sink1, new DataflowLinkOptions { PropagateCompletion = true });
            second.LinkTo(sink2, new DataflowLinkOptions { PropagateCompletion = true });
            ToolCall a = Call(0, "stubborn", """{"ms": 400}"""), b = Call(0, "stubborn", """{"ms": 10}""") with { CallId = "other" };
            first.Post(new ToolCallClosed(a) { Turn = 1 });
            first.Post(Response(a));
            await At(10);
            second.Post(new ToolCallClosed(b) { Turn = 1 });
            second.Post(Response(b));
            first.Complete();
            second.Complete();
            await sink1.Completion;
            await sink2.Completion;
            await At(500);
        });

        // The first conversation's block stopped waiting at 250 ms (its body overran; whether it still offers the
        // body's return depends on when its completion runs); the second's call still waited for the slot.
        Assert.Equal(
            [(0d, "started call_1_0"), (100d, "failed call_1_0 TimedOut"), (250d, "overran call_1_0 stubborn 150"), (400d, "started other"), (410d, "completed other 10")],
            Timeline(events.Where(e => e is not ToolCallBodyReturned), Clock));
        Assert.Equal(1, stubborn.MaxRunning);
        Assert.Equal((0, 0, 1L), (executor.Running, executor.OverrunningBodies, executor.TotalOverruns));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(int.MaxValue + 1L)]
    public void OverrunGracePeriod_OutOfRange_Throws(long ms)
    {
        var options = new ToolExecutionBlockOptions();

        Assert.Throws<ArgumentOutOfRangeException>(() => options.OverrunGracePeriod = TimeSpan.FromMilliseconds(ms));
        Assert.Equal(TimeSpan.FromSeconds(5), options.OverrunGracePeriod);
        options.OverrunGracePeriod = TimeSpan.Zero;
        Assert.Equal(TimeSpan.Zero, options.OverrunGracePeriod);
    }

    private static ToolDescriptor Retrying(AIFunction tool) => new(tool, ToolEffects.Idempotent)
    {
        Timeout = TimeSpan.FromMilliseconds(100),
        Retry = new ToolRetryPolicy { MaxRetryAttempts = 1, BaseDelay = TimeSpan.FromMilliseconds(10), UseJitter = false },
    };

    /// <summary>
    /// A tool named "stubborn" that ignores its token: it runs its "ms" argument (or, per attempt, the next of the
    /// given durations) and returns it, counting how many of its bodies run at once.
    /// </summary>
    private sealed class StubbornTool(ManualTimeProvider clock, params int[] durations) : AIFunction
    {
        private int _running;
        private int _invocations;

        public override string Name => "stubborn";

        public int MaxRunning { get; private set; }

        public List<double> Starts { get; } = [];

        protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
        {
            int invocation = _invocations++;
            int ms = durations.Length > 0 ? durations[invocation] : ((JsonElement)arguments["ms"]!).GetInt32();
            Starts.Add(clock.Elapsed.TotalMilliseconds);
            MaxRunning = Math.Max(MaxRunning, ++_running);
            await Task.Delay(TimeSpan.FromMilliseconds(ms), clock, CancellationToken.None).ConfigureAwait(false);
            _running--;
            return ms;
        }
    }

    private sealed class DelegateTool(string name, Func<AIFunctionArguments, Task<object?>> body) : AIFunction
    {
        public override string Name => name;

        protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken) =>
            await body(arguments).ConfigureAwait(false);
    }
}
