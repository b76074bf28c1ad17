namespace ToolFlow.Blocks;

/// <summary>What the <see cref="CallInvoker"/> reports back to the gate: a call starting, its progress, its result or fault, a retry, a tool task ending.</summary>
/// <remarks>Each takes the gate's lock (see the lock scheme in CallGate.cs), so the outcome and its events are decided in one place.</remarks>
internal sealed partial class CallGate
{
    /// <summary>The executor has a slot for the call: it starts unless it was cancelled meanwhile.</summary>
    /// <returns>Whether it starts; if not, the caller gives the slot back.</returns>
    public bool TryStart(CallState state)
    {
        lock (_lock)
        {
            if (state.Status != CallStatus.Queued)
            {
                return false;
            }

            state.Status = CallStatus.Running;
            _runningTasks++;
            state.StartedAt = _timeProvider.GetTimestamp();
            _block.Emit(new ToolCallStarted(state.Call) { Turn = state.Call.Turn });
            return true;
        }
    }

    /// <summary>The executor has a slot for a batch: the calls not cancelled meanwhile start, together.</summary>
    /// <returns>The calls that start; none if every one was cancelled, and then the caller gives the slot back.</returns>
    public CallRun[] TryStartBatch(BatchWork work)
    {
        lock (_lock)
        {
            ToolDescriptor tool = work.Tool!;
            CallRun[] live = [.. work.Calls.Where(r => r.State.Status == CallStatus.Queued)];
            work.Started = [.. live.Select(r => r.State)];
            foreach (CallRun dropped in work.Calls.Where(r => r.State.Status != CallStatus.Queued))
            {
                dropped.Cancellation?.Dispose();
            }

            if (live.Length == 0)
            {
                return live;
            }

            _runningTasks++;
            _block.Emit(new ToolCallsBatched(tool.Name, [.. live.Select(r => r.State.Call.CallId)]) { Turn = live[0].State.Call.Turn });
            foreach (CallState call in live.Select(r => r.State))
            {
                call.Status = CallStatus.Running;
                call.StartedAt = _timeProvider.GetTimestamp();
                _block.Emit(new ToolCallStarted(call.Call) { Turn = call.Call.Turn });
            }

            return live;
        }
    }

    /// <summary>A call's tool returned: its result, or a stale one if the call was cancelled meanwhile.</summary>
    /// <param name="state">The call.</param>
    /// <param name="result">What the tool returned.</param>
    /// <param name="answer">The policy's answer about the result; <see langword="null"/> without a policy.</param>
    public void OnResult(CallState state, object? result, PermissionAnswer? answer = null)
    {
        lock (_lock)
        {
            ReportCircuit(state);
            AcceptResult(state, result, answer);
            Invoker.FlushBatches();
        }

        InlineCalls.RunPending();
    }

    /// <summary>A call's tool threw, timed out or found its circuit open.</summary>
    public void OnFaulted(CallState state, Exception exception)
    {
        lock (_lock)
        {
            ReportCircuit(state);
            if (state.Status == CallStatus.Running)
            {
                // Read before the call ends and lets go of its run.
                CallRun run = state.Run!;
                FailFromException(state, exception);
                if (run.Abandoned is { IsCompleted: false })
                {
                    // Timed out, and the body goes on: it holds the slot until it returns.
                    Arm(Watch(run.Work!));
                }
            }

            Invoker.FlushBatches();
        }

        InlineCalls.RunPending();
    }

    /// <summary>A batch's invocation returned its results, one per call in order.</summary>
    /// <param name="tool">The batch's tool.</param>
    /// <param name="calls">The calls.</param>
    /// <param name="results">Their results.</param>
    /// <param name="answers">The policy's answer about each result; <see langword="null"/> without a policy.</param>
    public void OnBatchResults(ToolDescriptor tool, CallState[] calls, IReadOnlyList<object?> results, PermissionAnswer[]? answers = null)
    {
        lock (_lock)
        {
            if (results.Count != calls.Length)
            {
                var mismatch = new InvalidOperationException($"The batch for '{tool.Name}' returned {results.Count} results for {calls.Length} calls.");
                foreach (CallState call in calls.Where(c => c.Status == CallStatus.Running))
                {
                    FailFromException(call, mismatch);
                }
            }
            else
            {
                for (int i = 0; i < calls.Length; i++)
                {
                    AcceptResult(calls[i], results[i], answers?[i]);
                }
            }

            Invoker.FlushBatches();
        }

        InlineCalls.RunPending();
    }

    /// <summary>A batch's invocation threw.</summary>
    public void OnBatchFaulted(CallState[] calls, Exception exception)
    {
        lock (_lock)
        {
            foreach (CallState call in calls.Where(c => c.Status == CallStatus.Running))
            {
                FailFromException(call, exception);
            }

            Invoker.FlushBatches();
        }

        InlineCalls.RunPending();
    }

    /// <summary>A call is about to be retried.</summary>
    public void OnRetry(CallState state, int attempt, TimeSpan delay, Exception? error)
    {
        lock (_lock)
        {
            _block.Emit(new ToolCallRetrying(state.Call, attempt, delay, error) { Turn = state.Call.Turn });
        }
    }

    /// <summary>A call's attempt moved its tool's adaptive limit.</summary>
    public void OnLimitChanged(CallState state, int oldLimit, int newLimit, ToolConcurrencyLimitReason reason)
    {
        lock (_lock)
        {
            _block.Emit(new ToolConcurrencyLimitChanged(state.Call.Name, oldLimit, newLimit, reason) { Turn = state.Call.Turn });
        }
    }

    /// <summary>A call was rate limited: its tool starts no call before <paramref name="until"/>.</summary>
    public void OnPaused(CallState state, DateTimeOffset until, TimeSpan retryAfter)
    {
        lock (_lock)
        {
            _block.Emit(new ToolPaused(state.Call.Name, until, retryAfter) { Turn = state.Call.Turn });
        }
    }

    /// <summary>
    /// The reporter of a call's attempt, made the first time its tool asks (under the lock, so the attempt gets one);
    /// one that drops everything once that attempt has ended.
    /// </summary>
    public IProgress<ToolProgressUpdate> GetReporter(CallRun run, int attempt)
    {
        if (run.Progress?.Reporter is { } made && made.Attempt == attempt)
        {
            return made;
        }

        lock (_lock)
        {
            if (run.Attempt != attempt)
            {
                return ToolProgress.NoProgress.Instance;
            }

            ProgressThrottle progress = run.Progress ??= new ProgressThrottle();
            if (progress.Reporter is not { } reporter || reporter.Attempt != attempt)
            {
                reporter = new ProgressReporter(run, attempt);
                progress.Reporter = reporter;
            }

            return reporter;
        }
    }

    /// <summary>
    /// A running call's tool reported progress: emitted now if the last progress event of the call is at least
    /// <see cref="ToolExecutionBlockOptions.MinProgressInterval"/> old, else held (latest wins) until it is. Dropped if
    /// the attempt or the call has ended, so nothing is emitted after the call's outcome.
    /// </summary>
    public void OnProgress(CallRun run, ProgressReporter reporter, ToolProgressUpdate update)
    {
        lock (_lock)
        {
            CallState state = run.State;
            if (reporter.Ended || state.Status != CallStatus.Running)
            {
                return;
            }

            ProgressThrottle throttle = run.Progress!;
            TimeSpan interval = _options.MinProgressInterval;
            TimeSpan since = throttle.EmittedAt is { } last ? _timeProvider.GetElapsedTime(last) : TimeSpan.MaxValue;
            if (since >= interval)
            {
                throttle.Held = null;
                EmitProgress(state, throttle, update);
                return;
            }

            throttle.Held = update;
            if (!throttle.TimerArmed)
            {
                throttle.TimerArmed = true;
                TimeSpan due = interval - since;
                if (throttle.Timer is { } timer)
                {
                    timer.Change(due, Timeout.InfiniteTimeSpan);
                }
                else
                {
                    throttle.Timer = _timeProvider.CreateTimer(static s => ((CallRun)s!).Invoker.Gate.OnProgressDue((CallRun)s!), run, due, Timeout.InfiniteTimeSpan);
                }
            }
        }
    }

    /// <summary>The interval after a call's last progress event has passed: the report held since goes out, if the call still runs.</summary>
    public void OnProgressDue(CallRun run)
    {
        lock (_lock)
        {
            CallState state = run.State;
            ProgressThrottle throttle = run.Progress!;
            throttle.TimerArmed = false;
            if (throttle.Held is { } held)
            {
                throttle.Held = null;
                if (state.Status == CallStatus.Running)
                {
                    EmitProgress(state, throttle, held);
                }
            }
        }
    }

    private void EmitProgress(CallState state, ProgressThrottle throttle, ToolProgressUpdate update)
    {
        throttle.EmittedAt = _timeProvider.GetTimestamp();
        _block.Emit(new ToolCallProgressed(state.Call, update.Progress, update.Total, update.Message) { Turn = state.Call.Turn });
    }

    /// <summary>
    /// A running call's tool has an event of a nested run to surface (a sub-agent's, wrapped in a
    /// <see cref="SubAgentEvent"/>): emitted now, unthrottled, if the attempt and the call still run; else dropped, so
    /// nothing follows the call's outcome.
    /// </summary>
    /// <returns>Whether it was emitted.</returns>
    public bool OnNestedEvent(CallRun run, int attempt, ToolPipelineEvent @event)
    {
        lock (_lock)
        {
            if (run.Attempt != attempt || run.State.Status != CallStatus.Running)
            {
                return false;
            }

            _block.Emit(@event);
            return true;
        }
    }

    /// <summary>
    /// A tool task ended, after its call may have (a cancelled call ends at once; its late result is still
    /// reported, as stale, so the block waits for the task too, up to the grace period).
    /// </summary>
    public void OnTaskEnded()
    {
        lock (_lock)
        {
            --_runningTasks;
            TryDrain();
        }
    }
}
