using System.Text.Json;
using System.Threading.Tasks.Dataflow;
using Microsoft.Extensions.AI;
using ToolFlow.Testing;
using static ToolFlow.Blocks.Tests.Events;

namespace ToolFlow.Blocks.Tests;

public sealed class ToolExecutionBlockTests : ManualClockTests
{
    private ToolExecutionBlockOptions Options(int maxConcurrency = 16, ToolDispatchTiming timing = ToolDispatchTiming.OnCallClosed) => new()
    {
        TimeProvider = Clock,
        TaskScheduler = Scheduler,
        MaxConcurrency = maxConcurrency,
        DispatchTiming = timing,
    };

    [Fact]
    public void Post_OnCallClosed_EachCallStartsTheInstantItClosesBeforeTheResponseEnds()
    {
        var tools = new TestTools(Clock);
        var block = new ToolExecutionBlock(TestTools.ReadOnly([tools.Delayed("a", TimeSpan.FromMilliseconds(50), "A"), tools.Delayed("b", TimeSpan.FromMilliseconds(30), "B")]), Options());
        ToolCall a = Call(0, "a", """{"x": 1}"""), b = Call(1, "b", "{}");

        List<ToolPipelineEvent> events = Run(block, async target =>
        {
            await At(10);
            target.Post(new ToolCallClosed(a) { Turn = 1 });
            await At(40);
            target.Post(new ToolCallClosed(b) { Turn = 1 });
            await At(200);
            target.Post(Response(a, b));
        });

        Assert.Equal(
            [
                (10d, "closed call_1_0 a {\"x\": 1}"), (10d, "started call_1_0"),
                (40d, "closed call_1_1 b {}"), (40d, "started call_1_1"),
                (60d, "completed call_1_0 \"A\""),
                (70d, "completed call_1_1 \"B\""),
                (200d, "response tool_calls calls call_1_0,call_1_1"),
            ],
            events.Timeline(Clock));
        Assert.Equal([TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(30)], events.OfType<ToolCallCompleted>().Select(c => c.Duration));
        Assert.All(events, e => Assert.Equal(1, e.Turn));

        // The tool got the call's arguments.
        Assert.Equal(1, Assert.IsType<JsonElement>(tools.Invocations.First().Arguments["x"]).GetInt32());
    }

    [Fact]
    public void Post_AfterResponse_CallsWaitForResponseCompletedThenRunInCallOrder()
    {
        var tools = new TestTools(Clock);
        var block = new ToolExecutionBlock(
            TestTools.ReadOnly([tools.Delayed("a", TimeSpan.FromMilliseconds(50), "A"), tools.Delayed("b", TimeSpan.FromMilliseconds(30), "B")]),
            Options(maxConcurrency: 1, ToolDispatchTiming.AfterResponse));
        ToolCall a = Call(0, "a", "{}"), b = Call(1, "b", "{}");

        List<ToolPipelineEvent> events = Run(block, async target =>
        {
            await At(10);
            target.Post(new ToolCallClosed(a) { Turn = 1 });
            await At(40);
            target.Post(new ToolCallClosed(b) { Turn = 1 });
            await At(200);
            target.Post(Response(a, b));
        });

        // FunctionInvokingChatClient's timing: nothing starts until the response ends, then one at a time.
        Assert.Equal(
            [
                (10d, "closed call_1_0 a {}"), (10d, "ToolCallWaiting"),
                (40d, "closed call_1_1 b {}"), (40d, "ToolCallWaiting"),
                (200d, "response tool_calls calls call_1_0,call_1_1"), (200d, "started call_1_0"),
                (250d, "completed call_1_0 \"A\""), (250d, "started call_1_1"),
                (280d, "completed call_1_1 \"B\""),
            ],
            events.Timeline(Clock));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(DataflowBlockOptions.Unbounded)]
    public void Post_ManyCallsAtOnce_MaxConcurrencyIsNeverExceeded(int maxConcurrency)
    {
        var probe = new ConcurrencyProbe(Clock);
        var block = new ToolExecutionBlock(TestTools.ReadOnly([probe]), Options(maxConcurrency));
        int[] latencies = [300, 100, 200, 100, 100, 50];

        List<ToolPipelineEvent> events = Run(block, target =>
        {
            for (int i = 0; i < latencies.Length; i++)
            {
                target.Post(new ToolCallClosed(Call(i, "work", $$"""{"ms": {{latencies[i]}}, "n": {{i}}}""")) { Turn = 1 });
            }

            return Task.CompletedTask;
        });

        // The expected schedule: each call takes the first free slot, in call order.
        int slots = maxConcurrency == DataflowBlockOptions.Unbounded ? latencies.Length : maxConcurrency;
        var free = new List<double>(Enumerable.Repeat(0d, slots));
        var expectedStarts = new double[latencies.Length];
        for (int i = 0; i < latencies.Length; i++)
        {
            int slot = free.IndexOf(free.Min());
            expectedStarts[i] = free[slot];
            free[slot] += latencies[i];
        }

        Assert.Equal(expectedStarts, events.OfType<ToolCallStarted>().OrderBy(s => s.Call.Index).Select(s => s.Ms(Clock)));
        Assert.Equal(
            expectedStarts.Select((start, i) => start + latencies[i]),
            events.OfType<ToolCallCompleted>().OrderBy(c => c.Call.Index).Select(c => c.Ms(Clock)));
        Assert.Equal(Math.Min(slots, latencies.Length), probe.MaxRunning);
        Assert.All(probe.RunningAtEachStart, n => Assert.InRange(n, 1, slots));

        // At every instant, what the events say is running agrees.
        int running = 0;
        foreach (ToolPipelineEvent e in events)
        {
            running += e switch { ToolCallStarted => 1, ToolCallCompleted => -1, _ => 0 };
            Assert.InRange(running, 0, slots);
        }
    }

    [Fact]
    public void Post_BadCalls_EachBecomesToolCallFailedWithItsKindAndOnlyGoodCallsRun()
    {
        var tools = new TestTools(Clock);
        var boom = new InvalidOperationException("boom");
        var block = new ToolExecutionBlock(
            TestTools.ReadOnly([tools.Throwing("explode", TimeSpan.FromMilliseconds(20), boom), tools.Delayed("fine", TimeSpan.FromMilliseconds(10), "ok")]),
            Options());
        ToolCall[] calls =
        [
            Call(0, "explode", "{}"),
            Call(1, "no_such_tool", "{}"),
            new("call_1_2", "fine", 2, 1, null, """{"x": [1, 2}""", "The arguments are not valid JSON."),
            Call(3, "fine", "{}"),
        ];

        List<ToolPipelineEvent> events = Run(block, async target =>
        {
            foreach (ToolCall call in calls)
            {
                await At(call.Index * 5);
                target.Post(new ToolCallClosed(call) { Turn = 1 });
            }
        });

        // Unknown tools and invalid arguments fail the instant they close, without starting; a throwing tool fails
        // when it throws.
        Assert.Equal(
            [
                (0d, "closed call_1_0 explode {}"), (0d, "started call_1_0"),
                (5d, "closed call_1_1 no_such_tool {}"), (5d, "failed call_1_1 UnknownTool"),
                (10d, "closed call_1_2 fine {\"x\": [1, 2} invalid"), (10d, "failed call_1_2 InvalidArguments"),
                (15d, "closed call_1_3 fine {}"), (15d, "started call_1_3"),
                (20d, "failed call_1_0 ToolException"),
                (25d, "completed call_1_3 \"ok\""),
            ],
            events.Timeline(Clock));
        Assert.Equal(["explode", "fine"], tools.Invocations.Select(i => i.Name));

        ToolCallFailed[] failures = [.. events.OfType<ToolCallFailed>().OrderBy(f => f.Call.Index)];
        Assert.Same(boom, failures[0].Exception);
        Assert.Equal(TimeSpan.FromMilliseconds(20), failures[0].Duration);
        Assert.Equal("Error: There is no tool named 'no_such_tool'. The tools are: explode, fine.", failures[1].ResultForModel);
        Assert.Null(failures[1].Exception);
        Assert.Null(failures[1].Duration);
        Assert.Contains("The arguments are not valid JSON.", failures[2].Message, StringComparison.Ordinal);
        Assert.StartsWith("Error:", failures[2].ResultForModel, StringComparison.Ordinal);
        Assert.Same(calls[2], failures[2].Call);
    }

    [Theory]
    [InlineData(false, "Error: the tool 'explode' failed.")]
    [InlineData(true, "Error: The tool 'explode' failed: disk full at /var/secret")]
    public void Post_ThrowingTool_IncludeDetailedErrorsDecidesWhatTheModelSees(bool includeDetailedErrors, string forModel)
    {
        var tools = new TestTools(Clock);
        ToolExecutionBlockOptions options = Options();
        options.IncludeDetailedErrors = includeDetailedErrors;
        var block = new ToolExecutionBlock(TestTools.ReadOnly([tools.Throwing("explode", TimeSpan.Zero, new IOException("disk full at /var/secret"))]), options);

        List<ToolPipelineEvent> events = Run(block, target =>
        {
            target.Post(new ToolCallClosed(Call(0, "explode", "{}")) { Turn = 1 });
            return Task.CompletedTask;
        });

        ToolCallFailed failed = Assert.Single(events.OfType<ToolCallFailed>());
        Assert.Equal(ToolCallFailureKind.ToolException, failed.Kind);
        Assert.Equal(forModel, failed.ResultForModel);

        // The caller always gets the whole story.
        Assert.Equal("The tool 'explode' failed: disk full at /var/secret", failed.Message);
        Assert.IsType<IOException>(failed.Exception);
    }

    [Fact]
    public void Complete_WhileAToolRuns_CompletionWaitsForItsOutcome()
    {
        var tools = new TestTools(Clock);
        var block = new ToolExecutionBlock(TestTools.ReadOnly([tools.Delayed("slow", TimeSpan.FromMilliseconds(500), "done")]), Options());

        // Run completes the input right after posting, at 0 ms.
        List<ToolPipelineEvent> events = Run(block, target =>
        {
            target.Post(new ToolCallClosed(Call(0, "slow", "{}")) { Turn = 1 });
            return Task.CompletedTask;
        });

        Assert.Equal([(0d, "closed call_1_0 slow {}"), (0d, "started call_1_0"), (500d, "completed call_1_0 \"done\"")], events.Timeline(Clock));
        Assert.Equal(TimeSpan.FromMilliseconds(500), Clock.Elapsed);
        Assert.Equal(TaskStatus.RanToCompletion, block.Completion.Status);
    }

    [Fact]
    public void Post_CancelledWhileAToolRuns_ToolSeesTheCancellationAndTheBlockCancels()
    {
        var tools = new TestTools(Clock);
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(50), Clock);
        ToolExecutionBlockOptions options = Options();
        options.CancellationToken = cancellation.Token;
        var block = new ToolExecutionBlock(TestTools.ReadOnly([tools.Delayed("slow", TimeSpan.FromMilliseconds(1000), "never")]), options);
        var events = new List<ToolPipelineEvent>();

        VirtualTime.Run(Clock, Scheduler, async () =>
        {
            block.LinkTo(Sink(events, Scheduler), new DataflowLinkOptions { PropagateCompletion = true });
            block.Post(new ToolCallClosed(Call(0, "slow", "{}")) { Turn = 1 });
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => block.Completion);
        });

        Assert.True(block.Completion.IsCanceled);
        Assert.Single(tools.Invocations);
        Assert.DoesNotContain(events, e => e is ToolCallCompleted);
        Assert.Equal(TimeSpan.FromMilliseconds(50), Clock.Elapsed);
        Assert.Equal(0, Clock.PendingTimers);
    }

    [Fact]
    public void CancelCall_RunningToolEndsInlineOnItsToken_CallEndsOnceAtTheInstantOfCancelling()
    {
        // A running call being cancelled has no in-between state: it fails as cancelled first, then its token fires,
        // so a tool that ends inline on the token (as this one does) finds its call already over and reports nothing.
        var tools = new TestTools(Clock);
        var block = new ToolExecutionBlock(TestTools.ReadOnly([tools.Delayed("slow", TimeSpan.FromMilliseconds(300), "late")]), Options());
        ToolCall slow = Call(0, "slow", "{}");
        bool first = false, second = true;

        List<ToolPipelineEvent> events = Run(block, async target =>
        {
            target.Post(new ToolCallClosed(slow) { Turn = 1 });
            await At(100);
            first = block.CancelCall(slow.CallId);
            second = block.CancelCall(slow.CallId);
            await At(400);
            target.Post(Response(slow));
        });

        Assert.Equal((true, false), (first, second));
        Assert.Equal(
            [(0d, "started call_1_0"), (100d, "failed call_1_0 Cancelled")],
            [.. events.Where(e => e is ToolCallStarted or ToolCallCompleted or ToolCallFailed or ToolResultDiscarded).Timeline(Clock)]);
        ToolCallFailed failed = Assert.Single(events.OfType<ToolCallFailed>());
        Assert.Equal(TimeSpan.FromMilliseconds(100), failed.Duration);
        Assert.Contains("It was cancelled.", failed.Message, StringComparison.Ordinal);
        Assert.Single(tools.Invocations);
        Assert.Equal(0, Clock.PendingTimers);
    }

    [Fact]
    public void CancelCall_RunningToolsToken_FiresOutsideTheBlocksLock()
    {
        // A tool's token callback may end the tool inline, give its slot back and start another conversation's call,
        // which takes that block's lock: it must not run under this block's lock, or two blocks could lock in opposite
        // orders. Here the callback needs this block's lock from another thread; under the lock, that would deadlock.
        ToolExecutionBlock? block = null;
        bool? lockFree = null;
        AIFunction hold = AIFunctionFactory.Create(
            async (CancellationToken cancellationToken) =>
            {
                // Not disposed with the body: the body may end on another thread before this callback's turn comes,
                // and disposing would unregister it. Cancel runs it before it returns either way.
                _ = cancellationToken.Register(
                    () => lockFree = Task.Run(() => block!.CancelCall("no such call")).Wait(TimeSpan.FromMinutes(1)));
                await Task.Delay(TimeSpan.FromMilliseconds(500), Clock, cancellationToken).ConfigureAwait(false);
                return "late";
            },
            "hold");
        block = new ToolExecutionBlock(TestTools.ReadOnly([hold]), Options());
        ToolCall call = Call(0, "hold", "{}");

        List<ToolPipelineEvent> events = Run(block, async target =>
        {
            target.Post(new ToolCallClosed(call) { Turn = 1 });
            await At(100);
            block.CancelCall(call.CallId);
            await At(600);
            target.Post(Response(call));
        });

        Assert.True(lockFree);
        Assert.Equal(
            [(0d, "started call_1_0"), (100d, "failed call_1_0 Cancelled")],
            [.. events.Where(e => e is ToolCallStarted or ToolCallCompleted or ToolCallFailed or ToolResultDiscarded).Timeline(Clock)]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void CancelCall_OriginalOfABatchedDuplicate_DuplicateGoesOutInItsOwnBatchAtOnce(bool branch)
    {
        // Cancelling the original hands its duplicate back to the gate; the batch that makes is sent by the cancel
        // itself, not by whatever gate step comes next (here the stale end of the original's batch, at 100 ms).
        var batches = new List<(double Ms, int Count)>();
        async ValueTask<IReadOnlyList<object?>> FetchMany(IReadOnlyList<AIFunctionArguments> arguments, CancellationToken cancellationToken)
        {
            batches.Add((Clock.Elapsed.TotalMilliseconds, arguments.Count));
            await Task.Delay(TimeSpan.FromMilliseconds(100), Clock, cancellationToken).ConfigureAwait(false);
            return [.. arguments.Select(a => (object?)$"page {a["id"]}")];
        }

        var tools = new TestTools(Clock);
        var block = new ToolExecutionBlock(
            [new ToolDescriptor(tools.Delayed("fetch", TimeSpan.Zero, "unused"), ToolEffects.ReadOnly) { BatchInvoker = FetchMany }],
            Options());
        ToolCall original = Call(0, "fetch", """{"id": 7}"""), duplicate = Call(1, "fetch", """{"id": 7}""");

        List<ToolPipelineEvent> events = Run(block, async target =>
        {
            target.Post(new ToolCallClosed(original) { Turn = 1 });
            await At(10);
            target.Post(new ToolCallClosed(duplicate) { Turn = 1 });
            await At(50);
            _ = branch ? block.CancelBranch(original.CallId) : block.CancelCall(original.CallId) ? 1 : 0;
            await At(300);
            target.Post(Response(original, duplicate));
        });

        Assert.Equal([(0d, 1), (50d, 1)], batches);
        Assert.Equal(
            [
                (0d, "started call_1_0"),
                (50d, "failed call_1_0 Cancelled"),
                (50d, "started call_1_1"),
                (100d, "ToolResultDiscarded"),
                (150d, "completed call_1_1 \"page 7\""),
            ],
            [.. events.Where(e => e is ToolCallStarted or ToolCallCompleted or ToolCallFailed or ToolResultDiscarded).Timeline(Clock)]);
        Assert.Equal(["call_1_0", "call_1_1"], events.OfType<ToolCallsBatched>().Select(b => Assert.Single(b.CallIds)));
    }

    [Fact]
    public void Constructor_OptionsChangedLater_BlockKeepsItsOwnCopy()
    {
        var probe = new ConcurrencyProbe(Clock);
        ToolExecutionBlockOptions options = Options(maxConcurrency: 2);
        var block = new ToolExecutionBlock(TestTools.ReadOnly([probe]), options);
        options.MaxConcurrency = 1;
        options.DispatchTiming = ToolDispatchTiming.AfterResponse;

        Run(block, target =>
        {
            for (int i = 0; i < 4; i++)
            {
                target.Post(new ToolCallClosed(Call(i, "work", $$"""{"ms": 100, "n": {{i}}}""")) { Turn = 1 });
            }

            return Task.CompletedTask;
        });

        Assert.Equal(2, probe.MaxRunning);
        Assert.Equal(TimeSpan.FromMilliseconds(200), Clock.Elapsed);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-2)]
    public void MaxConcurrency_NotPositiveOrUnbounded_Throws(int value)
    {
        var options = new ToolExecutionBlockOptions();

        Assert.Throws<ArgumentOutOfRangeException>(() => options.MaxConcurrency = value);
        Assert.Equal(16, options.MaxConcurrency);
    }

    [Fact]
    public void DispatchTiming_Undefined_Throws()
    {
        var options = new ToolExecutionBlockOptions();

        Assert.Throws<ArgumentOutOfRangeException>(() => options.DispatchTiming = (ToolDispatchTiming)7);
        Assert.Equal(ToolDispatchTiming.OnCallClosed, options.DispatchTiming);
    }

    [Fact]
    public void Tools_Constructed_ListsTheToolsByName()
    {
        var tools = new TestTools(Clock);
        AIFunction a = tools.Delayed("a", TimeSpan.Zero, "A"), b = tools.Delayed("b", TimeSpan.Zero, "B");

        var block = new ToolExecutionBlock(TestTools.ReadOnly([a, b]));

        Assert.Equal(["a", "b"], block.Tools.Keys.Order());
        Assert.Same(b, block.Tools["b"].Function);
    }

    /// <summary>A tool named "work" that waits its "ms" argument and records how many calls run at each start.</summary>
    private sealed class ConcurrencyProbe(ManualTimeProvider clock) : AIFunction
    {
        private readonly List<int> _runningAtEachStart = [];
        private int _running;

        public override string Name => "work";

        public int MaxRunning { get; private set; }

        public IReadOnlyList<int> RunningAtEachStart => _runningAtEachStart;

        protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
        {
            int ms = ((JsonElement)arguments["ms"]!).GetInt32();
            int running = Interlocked.Increment(ref _running);
            lock (_runningAtEachStart)
            {
                _runningAtEachStart.Add(running);
                MaxRunning = Math.Max(MaxRunning, running);
            }

            try
            {
                // Resume inline in the clock's callback, at the exact virtual instant.
                await Task.Delay(TimeSpan.FromMilliseconds(ms), clock, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                Interlocked.Decrement(ref _running);
            }

            return ms;
        }
    }
}
