using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading.Tasks.Dataflow;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace ToolFlow.Blocks;

/// <summary>
/// Runs tool calls for any number of conversations under three caps held at once: a global cap, a cap per
/// conversation and a cap per tool. When a slot frees, the next call comes from the next conversation in turn
/// (round robin), so one chatty conversation cannot starve the others. Share one executor between pipelines and
/// runs to hold the global cap across them.
/// </summary>
/// <remarks>
/// <para>
/// A cap counts tool bodies: at most N bodies of its scope are running at any instant, counting bodies that ignore
/// cancellation. A call that timed out or was cancelled has its outcome at once, but its slot is given back only when
/// its tool's task returns, so a call may wait longer for a slot because of such a body; one still running after the
/// block's <see cref="ToolExecutionBlockOptions.OverrunGracePeriod"/> counts in <see cref="OverrunningBodies"/>.
/// </para>
/// <para>
/// A call that waits for other calls of the same executor (a sub-agent: a pipeline called as a tool, whose child run
/// shares its parent's executor) gives back its global and per-conversation slots while it waits, so a parent waiting
/// for its children never starves them of slots: it does no work itself. Its tool's own cap
/// (<see cref="ToolDescriptor.MaxConcurrency"/>) still counts it until it returns, which bounds how many children run.
/// The caps then hold at every instant for the bodies that do work.
/// </para>
/// <para>
/// A call is dispatched synchronously, in the thread that makes it ready or that frees a slot: there is no polling
/// and no queue hop between a call becoming ready and its start.
/// </para>
/// </remarks>
[DebuggerDisplay("Running = {Running}, Queued = {Queued}")]
public sealed class ToolExecutor
{
    // Lock scheme: _lock guards every counter and queue below, and the per-conversation and per-tool state.
    // Work is started only outside the lock.
    private readonly object _lock = new();
    private readonly LinkedList<ExecutorConversation> _ring = new();
    private readonly Dictionary<ToolDescriptor, int> _runningPerTool = new(ReferenceEqualityComparer.Instance);
    private readonly int _maxConcurrency;
    private readonly ConditionalWeakTable<ToolDescriptor, ResiliencePipeline> _pipelines = [];
    private readonly ConditionalWeakTable<ToolDescriptor, CircuitObserver> _circuits = [];
    private readonly ConditionalWeakTable<ToolDescriptor, ToolThrottle> _throttles = [];
    private int _pausedTools;
    private int _running;
    private int _queued;
    private int _overrunning;
    private long _overruns;

    /// <summary>The key under which a call's resilience callbacks find where to report.</summary>
    internal static readonly ResiliencePropertyKey<IResilienceObserver> ObserverKey = new("ToolFlow.Observer");

    /// <summary>Initializes an executor.</summary>
    /// <param name="options">Caps, clock and scheduler, or <see langword="null"/> for the defaults.</param>
    public ToolExecutor(ToolExecutorOptions? options = null)
    {
        options ??= new ToolExecutorOptions();
        _maxConcurrency = options.MaxConcurrency == DataflowBlockOptions.Unbounded ? int.MaxValue : options.MaxConcurrency;
        TimeProvider = options.TimeProvider;
        TaskScheduler = options.TaskScheduler;
    }

    /// <summary>The clock the executor reads.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>Where tools are started.</summary>
    public TaskScheduler TaskScheduler { get; }

    /// <summary>The slots taken now: calls (or batches) running, and bodies of ended calls that have not returned.</summary>
    public int Running
    {
        get
        {
            lock (_lock)
            {
                return _running;
            }
        }
    }

    /// <summary>The calls ready and waiting for a slot.</summary>
    public int Queued
    {
        get
        {
            lock (_lock)
            {
                return _queued;
            }
        }
    }

    /// <summary>
    /// The tool bodies running now past their grace period (<see cref="ToolExecutionBlockOptions.OverrunGracePeriod"/>)
    /// after their call ended: each still holds its slot, so it counts in <see cref="Running"/> and in every cap.
    /// </summary>
    public int OverrunningBodies => Volatile.Read(ref _overrunning);

    /// <summary>Every tool body that has overrun its grace period since the executor was made, returned or not.</summary>
    public long TotalOverruns => Interlocked.Read(ref _overruns);

    /// <summary>A body outlived its call by the grace period.</summary>
    internal void OnBodyOverran()
    {
        Interlocked.Increment(ref _overrunning);
        Interlocked.Increment(ref _overruns);
    }

    /// <summary>An overrunning body returned (its slot is given back next).</summary>
    internal void OnOverrunEnded() => Interlocked.Decrement(ref _overrunning);

    /// <summary>Opens a conversation: its calls share <paramref name="maxConcurrency"/> slots and take turns with other conversations.</summary>
    /// <param name="maxConcurrency">The conversation's cap; -1 for none.</param>
    /// <returns>The conversation's handle.</returns>
    internal ExecutorConversation OpenConversation(int maxConcurrency) =>
        new(this, maxConcurrency == DataflowBlockOptions.Unbounded ? int.MaxValue : maxConcurrency);

    /// <summary>Queues a ready call and starts whatever the caps allow.</summary>
    internal void Enqueue(ExecutorConversation conversation, ExecutorWork work)
    {
        ExecutorWork? start;
        lock (_lock)
        {
            conversation.Append(work);
            _queued++;
            if (!conversation.InRing)
            {
                _ring.AddLast(conversation.RingNode);
            }

            start = TakeStartable();
        }

        Start(start);
    }

    /// <summary>Removes a queued call that was cancelled before it started.</summary>
    /// <returns>Whether it was still queued.</returns>
    internal bool TryDequeue(ExecutorConversation conversation, ExecutorWork work)
    {
        lock (_lock)
        {
            if (!conversation.Remove(work))
            {
                return false;
            }

            _queued--;
            if (conversation.PendingCount == 0 && conversation.InRing)
            {
                _ring.Remove(conversation.RingNode);
            }

            return true;
        }
    }

    /// <summary>Frees a finished call's slots and starts what they allow.</summary>
    internal void Release(ExecutorConversation conversation, ExecutorWork work)
    {
        ExecutorWork? start;
        lock (_lock)
        {
            if (!work.Lent)
            {
                _running--;
                conversation.Running--;
            }

            work.Lent = false;
            if (--_runningPerTool[work.Tool!] == 0)
            {
                _runningPerTool.Remove(work.Tool!);
            }

            start = TakeStartable();
        }

        Start(start);
    }

    /// <summary>
    /// A running work gives back its global and conversation slots, keeping its tool's, and starts what they allow:
    /// it is about to wait for other calls of this executor (a sub-agent's call waiting for its child run), which
    /// would otherwise wait for its slot. Its <see cref="Release"/> then frees only its tool's slot.
    /// </summary>
    /// <returns>Whether it gave them back now; <see langword="false"/> if it had already.</returns>
    internal bool Lend(ExecutorConversation conversation, ExecutorWork work)
    {
        ExecutorWork? start;
        lock (_lock)
        {
            if (work.Lent)
            {
                return false;
            }

            work.Lent = true;
            _running--;
            conversation.Running--;
            start = TakeStartable();
        }

        Start(start);
        return true;
    }

    // Called under the lock. Round robin: each conversation in the ring offers its first startable call, then
    // moves to the back; a pass that starts nothing ends the loop. Returns the works to start, chained in order.
    private ExecutorWork? TakeStartable()
    {
        ExecutorWork? start = null;
        ExecutorWork? last = null;
        bool progressed = true;
        while (_running < _maxConcurrency && _ring.Count > 0 && progressed)
        {
            progressed = false;
            int visits = _ring.Count;
            for (int i = 0; i < visits && _running < _maxConcurrency; i++)
            {
                ExecutorConversation conversation = _ring.First!.Value;
                _ring.RemoveFirst();
                ExecutorWork? work = conversation.Running < conversation.MaxConcurrency ? FirstStartable(conversation) : null;
                if (work is not null)
                {
                    conversation.Remove(work);
                    _queued--;
                    _running++;
                    conversation.Running++;
                    ref int perTool = ref CollectionsMarshal.GetValueRefOrAddDefault(_runningPerTool, work.Tool!, out _);
                    perTool++;
                    if (work.Tool!.AdaptiveConcurrency is not null)
                    {
                        work.Admission = ThrottleOf(work.Tool)!.Limiter!.Admit();
                    }
                    if (last is null)
                    {
                        start = work;
                    }
                    else
                    {
                        last.NextToStart = work;
                    }

                    last = work;
                    progressed = true;
                }

                if (conversation.PendingCount > 0)
                {
                    _ring.AddLast(conversation.RingNode);
                }
            }
        }

        return start;
    }

    private ExecutorWork? FirstStartable(ExecutorConversation conversation)
    {
        for (ExecutorWork? work = conversation.First; work is not null; work = work.Next)
        {
            ToolDescriptor tool = work.Tool!;
            if (tool.AdaptiveConcurrency is null && _pausedTools == 0)
            {
                if (tool.MaxConcurrency == DataflowBlockOptions.Unbounded || _runningPerTool.GetValueOrDefault(tool) < tool.MaxConcurrency)
                {
                    return work;
                }

                continue;
            }

            ToolThrottle? throttle = ThrottleOf(tool);
            if (throttle?.PausedUntil is not null)
            {
                continue;
            }

            int cap = throttle?.Limiter?.Limit ?? (tool.MaxConcurrency == DataflowBlockOptions.Unbounded ? int.MaxValue : tool.MaxConcurrency);
            if (_runningPerTool.GetValueOrDefault(tool) < cap)
            {
                return work;
            }
        }

        return null;
    }

    /// <summary>A tool's adaptive limit now, or <see langword="null"/> when it has none.</summary>
    /// <param name="tool">The tool.</param>
    /// <returns>The whole limit in force on this executor.</returns>
    public int? GetConcurrencyLimit(ToolDescriptor tool)
    {
        ArgumentNullException.ThrowIfNull(tool);
        lock (_lock)
        {
            return tool.AdaptiveConcurrency is null ? null : ThrottleOf(tool)!.Limiter!.Limit;
        }
    }

    /// <summary>Until when a rate limit keeps the tool's calls from starting, or <see langword="null"/> when it is not paused.</summary>
    /// <param name="tool">The tool.</param>
    /// <returns>The instant, on <see cref="TimeProvider"/>.</returns>
    public DateTimeOffset? GetPausedUntil(ToolDescriptor tool)
    {
        ArgumentNullException.ThrowIfNull(tool);
        lock (_lock)
        {
            return _throttles.TryGetValue(tool, out ToolThrottle? throttle) ? throttle.PausedUntil : null;
        }
    }

    // Under the lock: the tool's throttle, made on first use for a tool with an adaptive limit; null for another tool never paused.
    private ToolThrottle? ThrottleOf(ToolDescriptor tool)
    {
        if (_throttles.TryGetValue(tool, out ToolThrottle? throttle) || tool.AdaptiveConcurrency is null)
        {
            return throttle;
        }

        throttle = NewThrottle(tool);
        _throttles.Add(tool, throttle);
        return throttle;
    }

    private static ToolThrottle NewThrottle(ToolDescriptor tool) =>
        new(tool.AdaptiveConcurrency is { } adaptive
            ? new AdaptiveLimiter(adaptive, tool.MaxConcurrency == DataflowBlockOptions.Unbounded ? int.MaxValue : tool.MaxConcurrency)
            : null);

    /// <summary>
    /// An attempt of a call holding a slot ended: an adaptive limit learns from its latency and outcome, and queued
    /// calls start at once if it rose. Called outside the lock, before the slot is given back.
    /// </summary>
    /// <returns>The change of the whole limit, or <see langword="null"/>.</returns>
    internal (int Old, int New, ToolConcurrencyLimitReason Reason)? OnAttemptEnded(ToolDescriptor tool, long admission, TimeSpan latency, Exception? error)
    {
        ToolConcurrencyLimitReason? signal = error switch
        {
            null => ToolConcurrencyLimitReason.Succeeded,
            TimeoutRejectedException => ToolConcurrencyLimitReason.TimedOut,
            _ when ToolRateLimitedException.IsRateLimit(error, out _) => ToolConcurrencyLimitReason.RateLimited,
            _ => null,
        };
        if (tool.AdaptiveConcurrency is null || signal is not { } observed)
        {
            return null;
        }

        ExecutorWork? start = null;
        (int, int, ToolConcurrencyLimitReason)? change = null;
        lock (_lock)
        {
            AdaptiveLimiter limiter = ThrottleOf(tool)!.Limiter!;
            int old = limiter.Limit;
            if (limiter.OnSample(admission, latency, observed, _runningPerTool.GetValueOrDefault(tool)) is { } reason)
            {
                change = (old, limiter.Limit, reason);
                if (limiter.Limit > old)
                {
                    start = TakeStartable();
                }
            }
        }

        Start(start);
        return change;
    }

    /// <summary>
    /// A rate limit: no call of the tool starts on this executor before <paramref name="wait"/> has passed (a longer
    /// pause already set stays); a timer on <see cref="TimeProvider"/> lifts it and starts what it held back.
    /// </summary>
    /// <returns>When the pause ends.</returns>
    internal DateTimeOffset Pause(ToolDescriptor tool, TimeSpan wait)
    {
        lock (_lock)
        {
            DateTimeOffset until = TimeProvider.GetUtcNow() + wait;
            ToolThrottle throttle = ThrottleOf(tool) ?? AddThrottle(tool);
            if (throttle.PausedUntil is { } current && current >= until)
            {
                return current;
            }

            if (wait <= TimeSpan.Zero)
            {
                return until;
            }

            if (throttle.PausedUntil is null)
            {
                _pausedTools++;
            }

            throttle.PausedUntil = until;

            // Timers here never call back inline, so arming one under the lock is safe.
            throttle.Resume ??= TimeProvider.CreateTimer(static s =>
            {
                (ToolExecutor executor, ToolThrottle paused) = ((ToolExecutor, ToolThrottle))s!;
                executor.OnPauseEnded(paused);
            }, (this, throttle), Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            throttle.Resume.Change(wait, Timeout.InfiniteTimeSpan);
            return until;
        }
    }

    private ToolThrottle AddThrottle(ToolDescriptor tool)
    {
        ToolThrottle throttle = NewThrottle(tool);
        _throttles.Add(tool, throttle);
        return throttle;
    }

    private void OnPauseEnded(ToolThrottle throttle)
    {
        ExecutorWork? start;
        lock (_lock)
        {
            if (throttle.PausedUntil is not { } until)
            {
                return;
            }

            TimeSpan left = until - TimeProvider.GetUtcNow();
            if (left > TimeSpan.Zero)
            {
                // Extended after this timer was armed.
                throttle.Resume!.Change(left, Timeout.InfiniteTimeSpan);
                return;
            }

            throttle.PausedUntil = null;
            _pausedTools--;
            start = TakeStartable();
        }

        Start(start);
    }

    /// <summary>
    /// The tool's retry and circuit breaker as one Polly pipeline, built once per tool and shared by every
    /// conversation (so the breaker sees all calls); <see langword="null"/> when the tool has none of them.
    /// </summary>
    internal ResiliencePipeline? GetResiliencePipeline(ToolDescriptor tool)
    {
        bool retries = tool.Retry is not null && tool.IsSafeToRepeat;
        if (!retries && tool.CircuitBreaker is null)
        {
            return null;
        }

        return _pipelines.TryGetValue(tool, out ResiliencePipeline? pipeline) ? pipeline : AddPipeline(tool, retries);
    }

    // Apart from GetResiliencePipeline so that its lambda's closure is allocated only when a pipeline is built.
    private ResiliencePipeline AddPipeline(ToolDescriptor tool, bool retries) => _pipelines.GetValue(tool, t => BuildPipeline(t, retries));

    private ResiliencePipeline BuildPipeline(ToolDescriptor tool, bool retries)
    {
        // Outermost first: retry wraps the breaker, which wraps the timeout of one attempt.
        var builder = new ResiliencePipelineBuilder { TimeProvider = TimeProvider, Name = tool.Name };
        // A rate limit is not a failure to retry with backoff or to break the circuit on: the invoker waits it out.
        // An unknown outcome is never retried: the lost attempt may have taken effect.
        PredicateBuilder<object> failures = new PredicateBuilder().Handle<Exception>(static e =>
            e is not (OperationCanceledException or ToolOutcomeUnknownException) && !ToolRateLimitedException.IsRateLimit(e, out _));
        if (retries)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = tool.Retry!.MaxRetryAttempts,
                Delay = tool.Retry.BaseDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = tool.Retry.UseJitter,
                ShouldHandle = failures,
                OnRetry = static args =>
                {
                    if (args.Context.Properties.TryGetValue(ObserverKey, out IResilienceObserver? observer))
                    {
                        observer.OnRetry(args.AttemptNumber + 1, args.RetryDelay, args.Outcome.Exception);
                    }

                    return default;
                },
            });
        }

        if (tool.CircuitBreaker is { } breaker)
        {
            // The breaker's own callbacks run later on the thread pool; its state is read after each call instead
            // (see ObserveCircuit), so a change is reported at the instant it happens.
            builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = breaker.FailureRatio,
                MinimumThroughput = breaker.MinimumThroughput,
                SamplingDuration = breaker.SamplingDuration,
                BreakDuration = breaker.BreakDuration,
                ShouldHandle = failures,
                StateProvider = _circuits.GetValue(tool, static _ => new CircuitObserver()).Provider,
            });
        }

        return builder.Build();
    }

    /// <summary>The tool's circuit state if it changed since the last look, else <see langword="null"/>.</summary>
    internal string? ObserveCircuit(ToolDescriptor tool)
    {
        if (tool.CircuitBreaker is null || !_circuits.TryGetValue(tool, out CircuitObserver? observer))
        {
            return null;
        }

        CircuitState state = observer.Provider.CircuitState;
        lock (observer)
        {
            if (state == observer.LastState)
            {
                return null;
            }

            observer.LastState = state;
        }

        return state switch
        {
            CircuitState.Open or CircuitState.Isolated => "open",
            CircuitState.HalfOpen => "half-open",
            _ => "closed",
        };
    }

    private sealed class CircuitObserver
    {
        public CircuitBreakerStateProvider Provider { get; } = new();

        public CircuitState LastState { get; set; } = CircuitState.Closed;
    }

    private static void Start(ExecutorWork? start)
    {
        while (start is not null)
        {
            ExecutorWork work = start;
            start = work.NextToStart;
            work.NextToStart = null;
            work.Start();
        }
    }
}
