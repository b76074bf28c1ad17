using System.Threading.Tasks.Dataflow;
using Microsoft.Extensions.AI;
using ToolFlow.Testing;
using static ToolFlow.Blocks.Tests.Events;

namespace ToolFlow.Blocks.Tests;

/// <summary>
/// A tool's <see cref="AdaptiveConcurrencyLimit"/> and rate limits (<see cref="ToolRateLimitedException"/>) on the
/// manual clock, against a service with a hidden capacity.
/// </summary>
public sealed class AdaptiveConcurrencyTests : ManualClockTests
{
    private ToolExecutor NewExecutor() => new(new ToolExecutorOptions { TimeProvider = Clock, TaskScheduler = Scheduler });

    private List<ToolPipelineEvent> RunCalls(ToolExecutor executor, ToolDescriptor tool, int count, Func<ToolExecutionBlock, Task>? during = null)
    {
        var block = new ToolExecutionBlock([tool], new ToolExecutionBlockOptions { TimeProvider = Clock, TaskScheduler = Scheduler, Executor = executor });
        ToolCall[] calls = [.. Enumerable.Range(0, count).Select(i => Call(i, tool.Name, $$"""{"n": {{i}}}""") with { CallId = $"c{i}" })];
        return Run(block, async target =>
        {
            foreach (ToolCall call in calls)
            {
                target.Post(new ToolCallClosed(call) { Turn = 1 });
            }

            target.Post(Response(calls));
            if (during is not null)
            {
                await during(block);
            }
        });
    }

    private static List<(double Ms, int Old, int New, ToolConcurrencyLimitReason Reason)> Limits(List<ToolPipelineEvent> events, ManualTimeProvider clock) =>
        [.. events.OfType<ToolConcurrencyLimitChanged>().Select(e => (e.Ms(clock), e.OldLimit, e.NewLimit, e.Reason))];

    [Fact]
    public void Limit_CallsQueuedBehindIt_StartTheInstantItRises()
    {
        var service = new OverloadedService(Clock, capacity: 100, TimeSpan.FromMilliseconds(100));
        ToolExecutor executor = NewExecutor();
        var tool = new ToolDescriptor(service, ToolEffects.ReadOnly) { AdaptiveConcurrency = new() { InitialLimit = 1, MaxLimit = 4 } };

        List<ToolPipelineEvent> events = RunCalls(executor, tool, 3);

        // c0 succeeds with the one slot in use at 100 ms: the limit becomes 2 and both queued calls start then.
        Assert.Equal(
            ["0: c0", "100: c1 c2"],
            events.OfType<ToolCallStarted>().GroupBy(e => e.Ms(Clock)).Select(g => $"{g.Key}: {string.Join(' ', g.Select(e => e.Call.CallId).Order(StringComparer.Ordinal))}"));
        Assert.Equal((100d, 1, 2, ToolConcurrencyLimitReason.Succeeded), Limits(events, Clock)[0]);
        Assert.Equal(3, events.OfType<ToolCallCompleted>().Count());
    }

    [Fact]
    public void Limit_CallsSucceedWithTheWidthInUse_GrowsByOneToItsMaxAndNoFurther()
    {
        var service = new OverloadedService(Clock, capacity: 100, TimeSpan.FromMilliseconds(100));
        ToolExecutor executor = NewExecutor();
        var tool = new ToolDescriptor(service, ToolEffects.ReadOnly) { AdaptiveConcurrency = new() { InitialLimit = 1, MaxLimit = 6 } };

        List<ToolPipelineEvent> events = RunCalls(executor, tool, 40);

        List<(double Ms, int Old, int New, ToolConcurrencyLimitReason Reason)> limits = Limits(events, Clock);
        Assert.All(limits, l => Assert.Equal((l.Old + 1, ToolConcurrencyLimitReason.Succeeded), (l.New, l.Reason)));
        Assert.Equal([2, 3, 4, 5, 6], limits.Select(l => l.New));
        Assert.Equal(6, service.MaxRunning);
        Assert.Equal(6, executor.GetConcurrencyLimit(tool));
        Assert.Equal(40, events.OfType<ToolCallCompleted>().Count());
    }

    [Fact]
    public void RateLimit_TwoOverCapacity_LimitFallsOnceAndNoCallStartsUntilRetryAfter()
    {
        var service = new OverloadedService(Clock, capacity: 2, TimeSpan.FromMilliseconds(100), retryAfter: TimeSpan.FromMilliseconds(250));
        ToolExecutor executor = NewExecutor();
        var tool = new ToolDescriptor(service, ToolEffects.ReadOnly) { AdaptiveConcurrency = new() { InitialLimit = 4, MaxLimit = 4 } };

        List<ToolPipelineEvent> events = RunCalls(executor, tool, 4);

        // Four start at 0; the service takes two and turns two away. The second rejection was admitted before the
        // decrease, so the limit falls once. Nothing starts before 250 ms, though slots are free from 100 ms.
        Assert.Equal([(0d, 4, 3, ToolConcurrencyLimitReason.RateLimited)], Limits(events, Clock));
        Assert.Equal([0d, 0d, 0d, 0d, 250d, 250d], service.Invocations.Select(i => i.Ms));
        Assert.Equal([0d, 0d], service.Rejections);
        Assert.All(events.OfType<ToolPaused>(), p => Assert.Equal((250d, 250d), ((p.Until - Clock.Epoch).TotalMilliseconds, p.RetryAfter.TotalMilliseconds)));
        Assert.Equal(2, events.OfType<ToolCallRetrying>().Count(r => r.Delay == TimeSpan.FromMilliseconds(250) && r.Attempt == 1));
        Assert.Equal(
            [(100d, "completed c0 \"ok\""), (100d, "completed c1 \"ok\""), (350d, "completed c2 \"ok\""), (350d, "completed c3 \"ok\"")],
            [.. events.Where(e => e is ToolCallCompleted or ToolCallFailed).Timeline(Clock).OrderBy(t => t.Item1).ThenBy(t => t.Item2, StringComparer.Ordinal)]);
        Assert.Null(executor.GetPausedUntil(tool));
        Assert.Equal((0, 0), (executor.Running, executor.Queued));
    }

    [Fact]
    public void RateLimit_ServiceAlwaysRejects_LimitStopsAtMinAndCallsFailAfterTheirRetries()
    {
        var service = new OverloadedService(Clock, capacity: 0, TimeSpan.FromMilliseconds(100), retryAfter: TimeSpan.FromMilliseconds(100));
        ToolExecutor executor = NewExecutor();
        var tool = new ToolDescriptor(service, ToolEffects.ReadOnly)
        {
            AdaptiveConcurrency = new() { InitialLimit = 3, MinLimit = 2, MaxLimit = 8 },
            MaxRateLimitRetries = 4,
        };

        List<ToolPipelineEvent> events = RunCalls(executor, tool, 3);

        List<(double Ms, int Old, int New, ToolConcurrencyLimitReason Reason)> limits = Limits(events, Clock);
        Assert.Equal([(0d, 3, 2, ToolConcurrencyLimitReason.RateLimited)], limits);
        Assert.Equal(2, executor.GetConcurrencyLimit(tool));
        Assert.Equal(15, service.Invocations.Count);
        Assert.All(service.Invocations, i => Assert.True(i.Running <= 3, $"{i.Running} running at {i.Ms} ms"));
        ToolCallFailed[] failed = [.. events.OfType<ToolCallFailed>()];
        Assert.Equal(3, failed.Length);
        Assert.All(failed, f =>
        {
            Assert.Equal(ToolCallFailureKind.RateLimited, f.Kind);
            Assert.Contains("rate limited (retry after 100 ms)", f.Message, StringComparison.Ordinal);
            Assert.Contains("after 4 retries", f.Message, StringComparison.Ordinal);
        });
        Assert.Equal((0, 0), (executor.Running, executor.Queued));
    }

    [Fact]
    public void RateLimit_ToolNotSafeToRepeat_FailsClearlyAndStaticCapWaitsOutThePause()
    {
        var service = new OverloadedService(Clock, capacity: 100, TimeSpan.FromMilliseconds(50), retryAfter: TimeSpan.FromMilliseconds(300)) { RejectFirst = 1 };
        ToolExecutor executor = NewExecutor();
        var tool = new ToolDescriptor(service, ToolEffects.SideEffecting) { MaxConcurrency = 1 };

        List<ToolPipelineEvent> events = RunCalls(executor, tool, 2);

        ToolCallFailed failed = Assert.Single(events.OfType<ToolCallFailed>());
        Assert.Equal((ToolCallFailureKind.RateLimited, 0d), (failed.Kind, failed.Ms(Clock)));
        Assert.Equal("The tool 'svc' is rate limited (retry after 300 ms); the call was not run again: its tool is not safe to repeat.", failed.Message);
        Assert.Empty(events.OfType<ToolCallRetrying>());

        // A static cap honours the pause too: c1's slot is free at 0, but it starts at 300 ms.
        Assert.Equal([0d, 300d], service.Invocations.Select(i => i.Ms));
        Assert.Equal(350d, Assert.Single(events.OfType<ToolCallCompleted>()).Ms(Clock));
        Assert.Null(executor.GetConcurrencyLimit(tool));
    }

    [Fact]
    public void Limit_LatencyJumpsWellAboveItsMean_Falls()
    {
        var service = new OverloadedService(Clock, capacity: 100, TimeSpan.FromMilliseconds(100)) { SlowFrom = 4, SlowLatency = TimeSpan.FromMilliseconds(400) };
        ToolExecutor executor = NewExecutor();
        var tool = new ToolDescriptor(service, ToolEffects.ReadOnly) { AdaptiveConcurrency = new() { InitialLimit = 4, MaxLimit = 4 } };

        List<ToolPipelineEvent> events = RunCalls(executor, tool, 8);

        // The first four take 100 ms; the next four, started together at 100 ms, take 400: the first of them to end
        // multiplies the limit by 0.75; the others were admitted before that decrease and do not count again.
        Assert.Equal([(500d, 4, 3, ToolConcurrencyLimitReason.LatencyRose)], Limits(events, Clock));
        Assert.Equal(8, events.OfType<ToolCallCompleted>().Count());
    }

    [Fact]
    public void Limit_ManyCallsAgainstAHiddenCapacity_NoStartAboveTheLimitInForceAndEveryCallCompletes()
    {
        var service = new OverloadedService(Clock, capacity: 5, TimeSpan.FromMilliseconds(100), retryAfter: TimeSpan.FromMilliseconds(150)) { Growth = 0.1 };
        ToolExecutor executor = NewExecutor();
        var tool = new ToolDescriptor(service, ToolEffects.ReadOnly)
        {
            AdaptiveConcurrency = new() { InitialLimit = 2, MaxLimit = 20 },
            MaxRateLimitRetries = 100,
        };

        List<ToolPipelineEvent> events = RunCalls(executor, tool, 60);

        // Replay: each body starts with no more bodies running than the highest limit in force up to that instant
        // (a limit may fall after a call was admitted; the call still runs).
        List<(double Ms, int Old, int New, ToolConcurrencyLimitReason Reason)> limits = Limits(events, Clock);
        foreach ((double ms, int running) in service.Invocations)
        {
            int allowed = limits.Where(l => l.Ms <= ms).Select(l => Math.Max(l.Old, l.New)).DefaultIfEmpty(2).Max();
            Assert.True(running <= allowed, $"{running} running at {ms} ms, limit {allowed}");
        }

        Assert.All(limits, l => Assert.InRange(l.New, 1, 20));
        Assert.Contains(limits, l => l.Reason == ToolConcurrencyLimitReason.RateLimited);
        Assert.Equal(60, events.OfType<ToolCallCompleted>().Count());
        Assert.Equal((0, 0), (executor.Running, executor.Queued));
    }

    [Fact]
    public void CancelCall_WaitingOutAPause_FailsAsCancelledAndHoldsNoSlot()
    {
        var service = new OverloadedService(Clock, capacity: 100, TimeSpan.FromMilliseconds(50), retryAfter: TimeSpan.FromMilliseconds(300)) { RejectFirst = 1 };
        ToolExecutor executor = NewExecutor();
        var tool = new ToolDescriptor(service, ToolEffects.ReadOnly) { MaxConcurrency = 1 };

        List<ToolPipelineEvent> events = RunCalls(executor, tool, 2, async block =>
        {
            await At(100);
            Assert.True(block.CancelCall("c0"));
        });

        Assert.Equal(
            [(100d, "failed c0 Cancelled"), (350d, "completed c1 \"ok\"")],
            [.. events.Where(e => e is ToolCallCompleted or ToolCallFailed).Timeline(Clock)]);
        Assert.Equal([0d, 300d], service.Invocations.Select(i => i.Ms));
        Assert.Equal((0, 0), (executor.Running, executor.Queued));
    }

    [Fact]
    public void IsRateLimit_HttpStatus429Or503_ReadAsARateLimitWithItsDataWait()
    {
        var tooMany = new HttpRequestException("slow down", null, System.Net.HttpStatusCode.TooManyRequests);
        tooMany.Data[ToolRateLimitedException.RetryAfterDataKey] = TimeSpan.FromSeconds(2);

        Assert.True(ToolRateLimitedException.IsRateLimit(tooMany, out TimeSpan? wait));
        Assert.Equal(TimeSpan.FromSeconds(2), wait);
        Assert.True(ToolRateLimitedException.IsRateLimit(new HttpRequestException("down", null, System.Net.HttpStatusCode.ServiceUnavailable), out wait));
        Assert.Null(wait);
        Assert.False(ToolRateLimitedException.IsRateLimit(new HttpRequestException("gone", null, System.Net.HttpStatusCode.NotFound), out _));
        Assert.True(ToolRateLimitedException.IsRateLimit(new ToolRateLimitedException(TimeSpan.FromMilliseconds(5)), out wait));
        Assert.Equal(TimeSpan.FromMilliseconds(5), wait);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ToolRateLimitedException(TimeSpan.FromMilliseconds(-1)));
    }

    /// <summary>
    /// A service with a hidden capacity: a call arriving with more than <c>capacity</c> bodies running is rejected at
    /// once with a Retry-After; the others take the latency, times (1 + growth x (bodies - 1)).
    /// </summary>
    private sealed class OverloadedService(ManualTimeProvider clock, int capacity, TimeSpan latency, TimeSpan? retryAfter = null) : AIFunction
    {
        private readonly Lock _lock = new();
        private int _running;
        private int _count;

        public List<(double Ms, int Running)> Invocations { get; } = [];

        public List<double> Rejections { get; } = [];

        public int MaxRunning { get; private set; }

        /// <summary>How many of the first invocations are rejected whatever the load.</summary>
        public int RejectFirst { get; init; }

        public double Growth { get; init; }

        /// <summary>From which invocation (from 0) the latency is <see cref="SlowLatency"/>.</summary>
        public int SlowFrom { get; init; } = int.MaxValue;

        public TimeSpan SlowLatency { get; init; }

        public override string Name => "svc";

        protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
        {
            int running, index;
            double ms = clock.Elapsed.TotalMilliseconds;
            lock (_lock)
            {
                running = ++_running;
                index = _count++;
                Invocations.Add((ms, running));
                if (running > capacity || index < RejectFirst)
                {
                    _running--;
                    Rejections.Add(ms);
                    throw new ToolRateLimitedException(retryAfter);
                }

                MaxRunning = Math.Max(MaxRunning, running);
            }

            try
            {
                TimeSpan wait = index >= SlowFrom ? SlowLatency : latency * (1 + (Growth * (running - 1)));
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Round(wait.TotalMilliseconds)), clock, cancellationToken).ConfigureAwait(false);
                return "ok";
            }
            finally
            {
                lock (_lock)
                {
                    _running--;
                }
            }
        }
    }
}
