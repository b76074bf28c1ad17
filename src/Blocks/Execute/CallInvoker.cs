using Microsoft.Extensions.AI;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace ToolFlow.Blocks;

/// <summary>
/// The Execute stage of a <see cref="ToolExecutionBlock"/>: runs the calls the <see cref="CallGate"/> lets through on
/// a <see cref="ToolExecutor"/> under the global, per-conversation and per-tool caps, each attempt raced against the
/// tool's timeout, with the tool's retries and circuit breaker (one Polly pipeline per tool); calls to a batchable
/// tool that become ready in one gate step go out as one invocation. It decides no outcome: it reports each back to
/// the gate, which does.
/// </summary>
/// <remarks>
/// Takes no lock of its own. <see cref="Submit"/>, <see cref="FlushBatches"/> and <see cref="TryDequeue"/> are called
/// under the gate's lock, which guards the pending batches; everything else runs outside it (the executor starts
/// work outside its own lock, and giving a slot back may start another conversation's call, which takes that
/// block's gate).
/// </remarks>
internal sealed class CallInvoker
{
    private readonly ToolExecutionBlockOptions _options;
    private readonly ToolExecutor _executor;
    private readonly ExecutorConversation _conversation;
    private readonly TimeProvider _timeProvider;
    private readonly TaskScheduler _taskScheduler;
    private readonly CancellationToken _cancellationToken;

    // Calls to batchable tools made ready in the current gate step, by tool.
    private Dictionary<ToolDescriptor, List<CallRun>>? _pendingBatches;

    public CallInvoker(CallGate gate, ToolExecutionBlockOptions options)
    {
        Gate = gate;
        _options = options;
        _timeProvider = options.TimeProvider;
        _taskScheduler = options.TaskScheduler;
        _cancellationToken = options.CancellationToken;
        _executor = options.Executor ?? new ToolExecutor(new ToolExecutorOptions
        {
            MaxConcurrency = System.Threading.Tasks.Dataflow.DataflowBlockOptions.Unbounded,
            TimeProvider = options.TimeProvider,
            TaskScheduler = options.TaskScheduler,
        });
        _conversation = _executor.OpenConversation(options.MaxConcurrency);
    }

    /// <summary>Where outcomes are reported.</summary>
    public CallGate Gate { get; }

    /// <summary>The executor whose slots the calls take.</summary>
    public ToolExecutor Executor => _executor;

    /// <summary>What built the block, for the calls' tools (see <see cref="RunningCall.Owner"/>).</summary>
    public object? Owner => _options.Owner;

    /// <summary>A running call gives back its global and conversation slots while it waits for calls of the same executor.</summary>
    /// <returns>Whether it gave them back now.</returns>
    public bool LendSlots(CallRun run) => _executor.Lend(_conversation, run.Work!);

    /// <summary>
    /// Under the gate's lock: a queued call gets its token and goes to the executor, or, for a batchable tool, to the
    /// batch the end of this gate step sends.
    /// </summary>
    public void Submit(CallState state)
    {
        CallRun run = state.Run!;
        run.Cancellation?.Dispose();
        run.Cancellation = CancellationTokenSource.CreateLinkedTokenSource(_cancellationToken);
        run.Tool = state.Tool;
        if (state.Tool!.BatchInvoker is not null)
        {
            _pendingBatches ??= new(ReferenceEqualityComparer.Instance);
            if (!_pendingBatches.TryGetValue(state.Tool, out List<CallRun>? batch))
            {
                _pendingBatches[state.Tool] = batch = [];
            }

            batch.Add(run);
            return;
        }

        run.Work = run;
        _executor.Enqueue(_conversation, run);
    }

    /// <summary>Under the gate's lock, at the end of every gate step: sends the batches that became ready in it.</summary>
    public void FlushBatches()
    {
        if (_pendingBatches is not { } batches)
        {
            return;
        }

        _pendingBatches = null;
        foreach ((ToolDescriptor tool, List<CallRun> calls) in batches)
        {
            var work = new BatchWork(tool, [.. calls]);
            foreach (CallRun call in calls)
            {
                call.Work = work;
                call.InBatch = true;
            }

            _executor.Enqueue(_conversation, work);
        }
    }

    /// <summary>Under the gate's lock: takes a queued call out of the executor's queue.</summary>
    /// <returns>Whether it was still queued; if not, the executor is starting it right now.</returns>
    public bool TryDequeue(CallRun run) => _executor.TryDequeue(_conversation, run.Work!);

    /// <summary>The tool's circuit state if it changed since the last look, else <see langword="null"/>.</summary>
    public string? ObserveCircuit(ToolDescriptor tool) => _executor.ObserveCircuit(tool);

    /// <summary>Called by the executor when a slot is free, outside its lock.</summary>
    public void StartCall(CallRun run)
    {
        if (!Gate.TryStart(run.State))
        {
            // Cancelled after the executor took it: give the slot back, outside the gate.
            _executor.Release(_conversation, run);
            return;
        }

        // The fast path: a tool that completes synchronously runs here, with no hop, once no gate lock is held.
        if (run.Tool!.CompletesSynchronously)
        {
            InlineCalls.Run(run, Gate.HoldsLock);
            return;
        }

        // Any other tool runs on the block's scheduler, so its synchronous part never holds up the thread that freed
        // the slot or closed the call; on the thread pool the call is its own work item (nothing to allocate), queued
        // on this thread's local queue, as a task started here would be: it runs next, ahead of event delivery queued
        // globally, and an idle thread steals it.
        if (_taskScheduler == TaskScheduler.Default)
        {
            ThreadPool.UnsafeQueueUserWorkItem(run, preferLocal: true);
        }
        else
        {
            _ = Task.Factory.StartNew(static s => ((IThreadPoolWorkItem)s!).Execute(), run, CancellationToken.None, TaskCreationOptions.DenyChildAttach, _taskScheduler);
        }
    }

    /// <summary>Called by the executor when a slot is free for a batch, outside its lock.</summary>
    public void StartBatch(BatchWork work)
    {
        CallRun[] live = Gate.TryStartBatch(work);
        if (live.Length == 0)
        {
            // Every call was cancelled after the executor took the batch: give the slot back, outside the gate
            // (releasing may start another conversation's work, which takes that block's gate).
            _executor.Release(_conversation, work);
            return;
        }

        _ = Task.Factory.StartNew(
            static s => ((CallRun[])s!)[0].Invoker.RunBatchAsync((CallRun[])s!),
            live,
            CancellationToken.None,
            TaskCreationOptions.DenyChildAttach,
            _taskScheduler).Unwrap();
    }

    /// <summary>Runs a started call's tool and reports its outcome.</summary>
    public async Task RunAsync(CallRun run)
    {
        try
        {
            ToolCallHookDecision decision = default;
            if (_options.CallHook is { } hook)
            {
                decision = await hook.BeforeBodyAsync(run.State.Call, run.Tool!, run.Cancellation!.Token).ConfigureAwait(false);
                if (decision.Failure is { } failure)
                {
                    Gate.OnFaulted(run.State, failure);
                    return;
                }

                if (!decision.Replayed)
                {
                    ToolIdempotency.Enter(decision.IdempotencyKey);
                }
            }

            // A result replayed from the ledger is checked like a fresh one: permissions may have changed since.
            object? result = decision.Replayed ? decision.Result : await InvokeAsync(run).ConfigureAwait(false);
            if (_options.PolicyFor(run.Tool!) is { } policy)
            {
                // Checked once, on the call's final result; the call still runs (and holds its slot) meanwhile.
                CancellationTokenSource cancellation = run.Cancellation!;
                PermissionAnswer answer = await PermissionCheck.AskAsync(policy, run.State.Call, ToolPermissionCheckpoint.Result, _options.PermissionCheckTimeout, _timeProvider, cancellation, cancellation.Token).ConfigureAwait(false);
                Gate.OnResult(run.State, result, answer);
            }
            else
            {
                Gate.OnResult(run.State, result);
            }
        }
        catch (Exception e)
        {
            Gate.OnFaulted(run.State, e);
        }
        finally
        {
            // The task holds the run until here, whatever the gate let go of meanwhile.
            CancellationTokenSource? cancellation = run.Cancellation;
            run.Cancellation = null;
            cancellation?.Dispose();
            run.Progress?.Timer?.Dispose();
            if (run.Abandoned is { } abandoned)
            {
                // The call has its outcome; the slot is the timed-out body's until it returns.
                run.Abandoned = null;
                await abandoned.ConfigureAwait(false);
            }

            EndWork(run.Work!);
        }
    }

    // The work's body has returned: its slot goes back; the block stops waiting for it unless it overran (it stopped then).
    private void EndWork(ExecutorWork work)
    {
        bool overran = work.Watch is { } watch && Gate.OnBodyReturned(watch);
        if (work is not CallRun { HoldsNoSlot: true })
        {
            _executor.Release(_conversation, work);
        }

        if (!overran)
        {
            Gate.OnTaskEnded();
        }
    }

    private async Task RunBatchAsync(CallRun[] runs)
    {
        ToolDescriptor tool = runs[0].Tool!;
        CallState[] calls = [.. runs.Select(r => r.State)];
        try
        {
            if (_options.CallHook is { } hook)
            {
                // Each call of the batch gets its say; those it decides leave the batch.
                calls = await DecideBatchAsync(hook, tool, calls).ConfigureAwait(false);
                if (calls.Length == 0)
                {
                    return;
                }
            }

            IReadOnlyList<AIFunctionArguments> arguments = [.. calls.Select(c => new AIFunctionArguments(c.Call.Arguments is null ? new Dictionary<string, object?>() : new Dictionary<string, object?>(c.Call.Arguments)))];
            ReportBatchAttempt(calls, started: true, error: null);
            IReadOnlyList<object?> results;
            try
            {
                results = await tool.BatchInvoker!(arguments, _cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                ReportBatchAttempt(calls, started: false, e);
                throw;
            }

            ReportBatchAttempt(calls, started: false, error: null);
            PermissionAnswer[]? answers = null;
            if (_options.PolicyFor(tool) is { } policy && results.Count == calls.Length)
            {
                answers = new PermissionAnswer[calls.Length];
                for (int i = 0; i < calls.Length; i++)
                {
                    // The hook may have taken calls out of the batch: find each call's own run.
                    CancellationTokenSource cancellation = runs.First(r => ReferenceEquals(r.State, calls[i])).Cancellation!;
                    answers[i] = await PermissionCheck.AskAsync(policy, calls[i].Call, ToolPermissionCheckpoint.Result, _options.PermissionCheckTimeout, _timeProvider, cancellation, cancellation.Token).ConfigureAwait(false);
                }
            }

            Gate.OnBatchResults(tool, calls, results, answers);
        }
        catch (Exception e)
        {
            Gate.OnBatchFaulted(calls, e);
        }
        finally
        {
            foreach (CallRun run in runs)
            {
                run.Cancellation?.Dispose();
            }

            EndWork(runs[0].Work!);
        }
    }

    // A batch is one attempt of each of its calls.
    private void ReportBatchAttempt(CallState[] calls, bool started, Exception? error)
    {
        if (_options.CallHook is not { } hook)
        {
            return;
        }

        foreach (CallState call in calls)
        {
            if (started)
            {
                hook.OnAttemptStarted(call.Call, 1);
            }
            else
            {
                hook.OnAttemptEnded(call.Call, 1, error);
            }
        }
    }

    private async ValueTask<CallState[]> DecideBatchAsync(IToolCallHook hook, ToolDescriptor tool, CallState[] calls)
    {
        List<CallState> left = new(calls.Length);
        foreach (CallState call in calls)
        {
            ToolCallHookDecision decision = await hook.BeforeBodyAsync(call.Call, tool, _cancellationToken).ConfigureAwait(false);
            if (decision.Failure is { } failure)
            {
                Gate.OnFaulted(call, failure);
            }
            else if (decision.Replayed)
            {
                Gate.OnResult(call, decision.Result);
            }
            else
            {
                left.Add(call);
            }
        }

        return [.. left];
    }

    // Runs the call's attempts; a rate limit gives the slot back, waits out the tool's pause in the executor's queue,
    // and runs the call again (a repeatable tool, within its MaxRateLimitRetries), else the call fails with it.
    private async ValueTask<object?> InvokeAsync(CallRun run)
    {
        ToolCall call = run.State.Call;
        var arguments = new AIFunctionArguments(call.Arguments is null ? new Dictionary<string, object?>() : new Dictionary<string, object?>(call.Arguments));
        CancellationToken token = run.Cancellation!.Token;
        ToolDescriptor tool = run.Tool!;
        for (int limited = 0; ; limited++)
        {
            try
            {
                return await InvokeOnceAsync(run, arguments, token).ConfigureAwait(false);
            }
            catch (Exception e) when (ToolRateLimitedException.IsRateLimit(e, out TimeSpan? retryAfter)
                && tool.IsSafeToRepeat && limited < tool.MaxRateLimitRetries
                && (retryAfter ?? ToolRateLimitedException.DefaultRetryAfter) <= ToolRateLimitedException.MaxRetryAfter)
            {
                run.OnRetry(Math.Abs(run.Attempt), retryAfter ?? ToolRateLimitedException.DefaultRetryAfter, e);
                await TakeSlotAgainAsync(run, token).ConfigureAwait(false);
            }
        }
    }

    // Gives the call's slot back and queues for one again; the tool's pause holds it in the queue until it ends.
    private async Task TakeSlotAgainAsync(CallRun run, CancellationToken cancellationToken)
    {
        var wait = new SlotWait(run.Tool!);
        _executor.Release(_conversation, run);
        _executor.Enqueue(_conversation, wait);
        try
        {
            await wait.Taken.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            if (_executor.TryDequeue(_conversation, wait))
            {
                run.HoldsNoSlot = true;
                throw;
            }

            // The executor is starting it right now: the slot is the call's, and RunAsync gives it back.
            await wait.Taken.ConfigureAwait(false);
            throw;
        }

        run.Admission = wait.Admission;
    }

    private async ValueTask<object?> InvokeOnceAsync(CallRun run, AIFunctionArguments arguments, CancellationToken token)
    {
        ResiliencePipeline? pipeline = _executor.GetResiliencePipeline(run.Tool!);
        if (pipeline is null)
        {
            return await AttemptAsync(run, arguments, token).ConfigureAwait(false);
        }

        ResilienceContext context = ResilienceContextPool.Shared.Get(token);
        context.Properties.Set(ToolExecutor.ObserverKey, run);
        try
        {
            return await pipeline.ExecuteAsync(
                static (ctx, s) => s.Invoker.AttemptAsync(s.Run, s.Arguments, ctx.CancellationToken),
                context,
                (Invoker: this, Run: run, Arguments: arguments)).ConfigureAwait(false);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    // One attempt, with the tool's timeout on the block's clock, and its own progress reporter: what the tool reports
    // after the attempt (it kept the reporter, or timed out and went on) is dropped. The first attempt's reporter is
    // made only if the tool asks for it; a retry's at once, as the flow must tell it from the attempt before.
    private async ValueTask<object?> AttemptAsync(CallRun run, AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        int attempt = run.BeginAttempt();
        if (attempt == 1)
        {
            ToolProgress.Enter(run);
        }
        else
        {
            ToolProgress.Enter(Gate.GetReporter(run, attempt));
        }

        IToolCallHook? hook = _options.CallHook;
        hook?.OnAttemptStarted(run.State.Call, attempt);
        Exception? error = null;
        long started = _timeProvider.GetTimestamp();
        try
        {
            return await AttemptCoreAsync(run, arguments, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            error = e;
            throw;
        }
        finally
        {
            run.EndAttempt();
            hook?.OnAttemptEnded(run.State.Call, attempt, error);
            OnAttemptEnded(run, _timeProvider.GetElapsedTime(started), error);
        }
    }

    // Before the slot goes back: the tool's adaptive limit learns from the attempt, and a rate limit pauses the tool.
    private void OnAttemptEnded(CallRun run, TimeSpan latency, Exception? error)
    {
        ToolDescriptor tool = run.Tool!;
        if (_executor.OnAttemptEnded(tool, run.Admission, latency, error) is { } change)
        {
            Gate.OnLimitChanged(run.State, change.Old, change.New, change.Reason);
        }

        if (error is not null && ToolRateLimitedException.IsRateLimit(error, out TimeSpan? retryAfter))
        {
            TimeSpan wait = retryAfter ?? ToolRateLimitedException.DefaultRetryAfter;
            wait = wait > ToolRateLimitedException.MaxRetryAfter ? ToolRateLimitedException.MaxRetryAfter : wait;
            if (wait > TimeSpan.Zero)
            {
                Gate.OnPaused(run.State, _executor.Pause(tool, wait), wait);
            }
        }
    }

    private async ValueTask<object?> AttemptCoreAsync(CallRun run, AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        ToolDescriptor tool = run.Tool!;
        if (tool.Timeout is not { } timeout)
        {
            return await tool.Function.InvokeAsync(arguments, cancellationToken).ConfigureAwait(false);
        }

        // The timeout races the tool instead of only cancelling it: a cancelled task completes its awaiters later
        // on the thread pool, and the failure belongs at the instant the timeout fell due.
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var timedOut = new TaskCompletionSource();
        using ITimer timer = _timeProvider.CreateTimer(static s => ((TaskCompletionSource)s!).TrySetResult(), timedOut, timeout, Timeout.InfiniteTimeSpan);
        if (run.Abandoned is { } previous)
        {
            // A retry: the slot is still the previous attempt's body's, which ignored its token. This attempt waits
            // for it within its own timeout rather than run a second body under one slot.
            if (await Task.WhenAny(previous, timedOut.Task).ConfigureAwait(false) != previous)
            {
                throw TimedOut(timeout);
            }

            run.Abandoned = null;
            cancellationToken.ThrowIfCancellationRequested();
        }

        Task<object?> invocation = tool.Function.InvokeAsync(arguments, attempt.Token).AsTask();
        if (await Task.WhenAny(invocation, timedOut.Task).ConfigureAwait(false) == invocation)
        {
            return await invocation.ConfigureAwait(false);
        }

        attempt.Cancel();

        // The body keeps the slot until it returns (see RunAsync); its exception, if any, is observed and dropped.
        Task abandoned = invocation.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        if (!abandoned.IsCompleted)
        {
            run.Abandoned = abandoned;
        }

        throw TimedOut(timeout);
    }

    private static TimeoutRejectedException TimedOut(TimeSpan timeout) => new($"The attempt took longer than {timeout.TotalMilliseconds} ms.", timeout);

    /// <summary>What a call's exception means: its failure kind, its message, and what the model is told.</summary>
    public (ToolCallFailureKind Kind, string Message, string? ForModel) DescribeFailure(CallState state, Exception exception)
    {
        string name = state.Call.Name;
        switch (exception)
        {
            case OperationCanceledException when state.Run?.Cancellation?.IsCancellationRequested == true:
                return (ToolCallFailureKind.Cancelled, $"The call to '{name}' was cancelled.", null);
            case ToolCallOutcomeException decided:
                return (decided.Kind, decided.Message, decided.ResultForModel);
            case ToolOutcomeUnknownException unknown:
                string lost = $"The call to '{name}' may or may not have taken effect: {unknown.Message}";
                return (ToolCallFailureKind.OutcomeUnknown, lost, $"Error: {lost} Check before calling it again.");
            case TimeoutRejectedException:
                return (ToolCallFailureKind.TimedOut, $"The call to '{name}' timed out after {state.Tool!.Timeout?.TotalMilliseconds} ms.", null);
            case Exception when ToolRateLimitedException.IsRateLimit(exception, out TimeSpan? retryAfter):
                string why = !state.Tool!.IsSafeToRepeat ? "its tool is not safe to repeat"
                    : (retryAfter ?? TimeSpan.Zero) > ToolRateLimitedException.MaxRetryAfter ? $"the wait it named is above {ToolRateLimitedException.MaxRetryAfter.TotalSeconds} s"
                    : $"it stayed limited after {state.Tool.MaxRateLimitRetries} retries";
                string limited = $"The tool '{name}' is rate limited{(retryAfter is { } after ? $" (retry after {after.TotalMilliseconds} ms)" : string.Empty)}; the call was not run again: {why}.";
                return (ToolCallFailureKind.RateLimited, limited, $"Error: {limited}");
            case BrokenCircuitException:
                return (ToolCallFailureKind.CircuitOpen, $"The tool '{name}' is failing too often; its circuit is open.", null);
            default:
                string message = $"The tool '{name}' failed: {exception.Message}";
                return (ToolCallFailureKind.ToolException, message, _options.IncludeDetailedErrors ? $"Error: {message}" : $"Error: the tool '{name}' failed.");
        }
    }
}
