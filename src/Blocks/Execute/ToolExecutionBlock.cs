using System.Text.Json;
using Microsoft.Extensions.AI;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace ToolFlow.Blocks;

/// <summary>
/// The Gate and Execute stages of a conversation. Each closed call waits only for what it truly needs (the results
/// it refers to, the clean end of its response for side-effecting tools, an approval), then runs on a
/// <see cref="ToolExecutor"/> under the global, per-conversation and per-tool caps, with the tool's timeout, retries
/// and circuit breaker. Offers <see cref="ToolCallStarted"/> then exactly one of <see cref="ToolCallCompleted"/> or
/// <see cref="ToolCallFailed"/> per call, in the order things happen. A tool's exception, an unknown tool, invalid
/// arguments and a cancellation are outcomes, never faults.
/// </summary>
/// <remarks>
/// Passes every event through before acting on it. Dispatch is driven by events (a call closing, a result arriving,
/// a response ending, an approval): a call whose last dependency completes starts in the same instant, with no
/// polling.
/// </remarks>
public sealed class ToolExecutionBlock : ToolEventBlock<ToolPipelineEvent>
{
    // Lock scheme: _gate guards the call table and every CallState; it is taken before the executor's own lock,
    // never after it. Events about a call are emitted under _gate, so a call's events keep their order.
    private readonly object _gate = new();

    // What a call without dependents or followers iterates; never added to.
    private static readonly List<CallState> s_noCalls = [];
    private readonly Dictionary<string, ToolDescriptor> _tools = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CallState> _calls = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CallState> _labels = new(StringComparer.Ordinal);
    private readonly Dictionary<int, ResponseCompleted> _responses = [];
    private readonly Dictionary<(ToolDescriptor Tool, ulong ArgumentsHash), CallState> _byArguments = [];
    private Dictionary<ToolDescriptor, List<CallState>>? _pendingBatches;
    private readonly ToolExecutionBlockOptions _options;
    private readonly ToolExecutor _executor;
    private readonly ExecutorConversation _conversation;
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _active;
    private int _runningTasks;
    private bool _inputCompleted;

    /// <summary>Initializes the block with tools that are side-effecting unless described otherwise.</summary>
    /// <param name="tools">The tools calls may name; each becomes a <see cref="ToolDescriptor"/> with <see cref="ToolEffects.SideEffecting"/>.</param>
    /// <param name="options">Caps, timing, executor, clock and scheduler, or <see langword="null"/> for the defaults.</param>
    public ToolExecutionBlock(IEnumerable<AIFunction> tools, ToolExecutionBlockOptions? options = null)
        : this((tools ?? throw new ArgumentNullException(nameof(tools))).Select(static t => new ToolDescriptor(t)), options)
    {
    }

    /// <summary>Initializes the block.</summary>
    /// <param name="tools">The tools calls may name, with their effects and policies.</param>
    /// <param name="options">Caps, timing, executor, clock and scheduler, or <see langword="null"/> for the defaults.</param>
    public ToolExecutionBlock(IEnumerable<ToolDescriptor> tools, ToolExecutionBlockOptions? options = null)
        : base((options ?? new ToolExecutionBlockOptions()).Clone())
    {
        ArgumentNullException.ThrowIfNull(tools);
        _options = (ToolExecutionBlockOptions)Options;
        foreach (ToolDescriptor tool in tools)
        {
            if (!_tools.TryAdd(tool.Name, tool))
            {
                throw new ArgumentException($"Two tools are named '{tool.Name}'; tool names must be unique.", nameof(tools));
            }
        }

        _executor = _options.Executor ?? new ToolExecutor(new ToolExecutorOptions
        {
            MaxConcurrency = System.Threading.Tasks.Dataflow.DataflowBlockOptions.Unbounded,
            TimeProvider = _options.TimeProvider,
            TaskScheduler = _options.TaskScheduler,
        });
        _conversation = _executor.OpenConversation(_options.MaxConcurrency);
    }

    /// <summary>The tools this block runs, by name.</summary>
    public IReadOnlyDictionary<string, ToolDescriptor> Tools => _tools;

    /// <summary>
    /// Cancels one call: a waiting or queued call never starts; a running call's token is cancelled and its late
    /// result is recorded as stale (<see cref="ToolResultDiscarded"/>). Calls that depend on it are cancelled too.
    /// </summary>
    /// <param name="callId">The call.</param>
    /// <returns>Whether the call was still under way.</returns>
    public bool CancelCall(string callId)
    {
        ArgumentNullException.ThrowIfNull(callId);
        lock (_gate)
        {
            bool cancelled = _calls.TryGetValue(callId, out CallState? state) && Cancel(state, "It was cancelled.");
            FlushBatches();
            FlushBatches();
            return cancelled;
        }
    }

    /// <summary>Cancels a call and every call that depends on it, directly or not, even if the call itself has ended.</summary>
    /// <param name="callId">The root of the branch.</param>
    /// <returns>How many calls were cancelled.</returns>
    public int CancelBranch(string callId)
    {
        ArgumentNullException.ThrowIfNull(callId);
        lock (_gate)
        {
            if (!_calls.TryGetValue(callId, out CallState? root))
            {
                return 0;
            }

            // The branch: the root and everything that depends on it, directly or not, in dependency order.
            var branch = new List<CallState>();
            var seen = new HashSet<CallState>();
            var pending = new Queue<CallState>();
            pending.Enqueue(root);
            while (pending.Count > 0)
            {
                CallState state = pending.Dequeue();
                if (seen.Add(state))
                {
                    branch.Add(state);
                    foreach (CallState dependent in state.Dependents ?? s_noCalls)
                    {
                        pending.Enqueue(dependent);
                    }
                }
            }

            int cancelled = branch.Count(s => s.Status is not (CallStatus.Completed or CallStatus.Failed));
            foreach (CallState state in branch)
            {
                Cancel(state, state == root ? "Its branch was cancelled." : $"Its branch, from call {root.Call.CallId} ({root.Call.Name}), was cancelled.");
            }

            return cancelled;
        }
    }

    private protected override Task HandleAsync(ToolPipelineEvent message)
    {
        Forward(message);
        switch (message)
        {
            case ToolCallClosed closed:
                lock (_gate)
                {
                    OnClosed(closed.Call);
                    FlushBatches();
                }

                break;
            case ResponseCompleted response:
                lock (_gate)
                {
                    OnResponseCompleted(response);
                    FlushBatches();
                }

                break;
        }

        return Task.CompletedTask;
    }

    private protected override Task OnInputCompletedAsync()
    {
        lock (_gate)
        {
            _inputCompleted = true;

            // No response will end any more: calls still waiting for one are not run.
            foreach (CallState state in _calls.Values.ToArray())
            {
                if (state.Status == CallStatus.Waiting && state.WaitsForResponse && !_responses.ContainsKey(state.Call.Turn))
                {
                    Fail(state, ToolCallFailureKind.Discarded, $"The call to '{state.Call.Name}' was not run: its response never ended.");
                }
            }

            TryDrain();
        }

        return _drained.Task;
    }

    private void OnClosed(ToolCall call)
    {
        var state = new CallState(this, call) { Context = ExecutionContext.Capture() };
        _calls[call.CallId] = state;
        _active++;
        try
        {
            Gate(state);
        }
        finally
        {
            // The label is taken after the call's own references are resolved: a call that reuses a label refers
            // to the earlier call of that name, and later calls to this one.
            if (call.Label is { } label)
            {
                _labels[label] = state;
            }
        }
    }

    private void Gate(CallState state)
    {
        ToolCall call = state.Call;
        if (call.ArgumentsError is not null)
        {
            string message = $"The arguments of '{call.Name}' are not valid: {call.ArgumentsError}";
            Fail(state, ToolCallFailureKind.InvalidArguments, message, $"Error: {message} Call the tool again with a valid JSON object.");
            return;
        }

        if (!_tools.TryGetValue(call.Name, out ToolDescriptor? tool))
        {
            string message = $"There is no tool named '{call.Name}'.";
            Fail(state, ToolCallFailureKind.UnknownTool, message, $"Error: {message} The tools are: {string.Join(", ", _tools.Keys)}.");
            return;
        }

        state.Tool = tool;
        state.WaitsForResponse = _options.DispatchTiming == ToolDispatchTiming.AfterResponse || !tool.IsSafeToRepeat;
        state.References = call.Arguments is null ? [] : ToolCallReferences.Find(call.Arguments, _options.ReferenceSyntax);
        foreach (ToolReference reference in state.References)
        {
            CallState? target = Lookup(reference);
            if (target is null || target == state)
            {
                string what = target is null ? "which no earlier call defines" : "which is the call itself";
                Fail(state, ToolCallFailureKind.UnresolvedReference, $"The call to '{call.Name}' refers to '{reference.Target}', {what}.");
                return;
            }

            if (target.Status == CallStatus.Failed)
            {
                FailForDependency(state, target);
                return;
            }

            (state.Targets ??= [])[(reference.Syntax == ToolReferenceSyntax.Futures, reference.Target)] = target;
            if (target.Status != CallStatus.Completed && (state.WaitingOn ??= []).Add(target))
            {
                (target.Dependents ??= []).Add(state);
            }
        }

        Advance(state);
    }

    private void OnResponseCompleted(ResponseCompleted response)
    {
        _responses[response.Turn] = response;
        foreach (CallState state in _calls.Values.ToArray())
        {
            if (state.Status == CallStatus.Waiting && state.Call.Turn == response.Turn)
            {
                Advance(state);
            }
        }
    }

    private CallState? Lookup(ToolReference reference) =>
        reference.Syntax == ToolReferenceSyntax.Futures
            ? _calls.GetValueOrDefault(reference.Target)
            : _labels.GetValueOrDefault(reference.Target);

    // Moves a waiting call as far as it can go now. Called whenever something it may wait for happens.
    private void Advance(CallState state)
    {
        if (state.Status != CallStatus.Waiting)
        {
            return;
        }

        if (state.WaitingOn is { Count: > 0 })
        {
            ReportWaiting(state, ToolCallWaitReason.Dependencies, string.Join(", ", state.WaitingOn.Select(d => d.Call.CallId)));
            return;
        }

        if (state.WaitsForResponse)
        {
            if (!_responses.TryGetValue(state.Call.Turn, out ResponseCompleted? response))
            {
                ReportWaiting(state, ToolCallWaitReason.ResponseEnd, null);
                return;
            }

            if (!state.Tool!.IsSafeToRepeat && EndedBadly(response) is { } why)
            {
                Fail(state, ToolCallFailureKind.Discarded, $"The call to '{state.Call.Name}' was not run because its response ended with {why}; the tool has side effects.");
                return;
            }
        }

        if (state.References.Count > 0 && !TrySubstituteReferences(state))
        {
            return;
        }

        if (state.Tool!.RequiresApproval && !state.Approved)
        {
            RequestApproval(state);
            return;
        }

        Ready(state);
    }

    // Puts the referred results into the call's arguments; the lambda lives here so other calls to Advance
    // allocate no closure.
    private bool TrySubstituteReferences(CallState state)
    {
        try
        {
            Dictionary<string, object?> arguments = ToolCallReferences.Substitute(state.Call.Arguments!, _options.ReferenceSyntax, (syntax, target) => ResultOf(state, syntax, target));
            state.Call = state.Call with { Arguments = arguments, ArgumentsJson = JsonSerializer.Serialize(arguments) };
            return true;
        }
        catch (ToolReferenceException e)
        {
            Fail(state, ToolCallFailureKind.UnresolvedReference, $"The call to '{state.Call.Name}' could not resolve its references: {e.Message}");
            return false;
        }
    }

    // The call may run. An identical earlier call of a tool that is safe to repeat answers for it; a batchable
    // tool's calls wait for the end of this gate step to go out together; any other call goes to the executor.
    private void Ready(CallState state)
    {
        ToolDescriptor tool = state.Tool!;
        if (tool.IsSafeToRepeat && _options.DeduplicateCalls)
        {
            (ToolDescriptor, ulong) key = (tool, CanonicalJson.Hash(state.Call.Arguments));
            bool known = _byArguments.TryGetValue(key, out CallState? original);
            if (known && original!.Status != CallStatus.Failed && CanonicalJson.Equal(original.Call.Arguments, state.Call.Arguments))
            {
                Emit(new ToolCallDeduplicated(state.Call, original.Call.CallId) { Turn = state.Call.Turn });
                state.StartedAt = TimeProvider.GetTimestamp();
                state.Status = CallStatus.Following;
                if (original.Status == CallStatus.Completed)
                {
                    Complete(state, original.Result);
                }
                else
                {
                    (original.Followers ??= []).Add(state);
                }

                return;
            }

            // A hash shared by other arguments keeps its first call; this one runs without others joining it.
            if (!known || original!.Status == CallStatus.Failed)
            {
                _byArguments[key] = state;
                state.ArgumentsHash = key.Item2;
            }
        }

        state.Status = CallStatus.Queued;
        state.Cancellation?.Dispose();
        state.Cancellation = CancellationTokenSource.CreateLinkedTokenSource(CancellationToken);
        if (tool.BatchInvoker is not null)
        {
            _pendingBatches ??= new(ReferenceEqualityComparer.Instance);
            if (!_pendingBatches.TryGetValue(tool, out List<CallState>? batch))
            {
                _pendingBatches[tool] = batch = [];
            }

            batch.Add(state);
            return;
        }

        state.Work = state;
        _executor.Enqueue(_conversation, state);
    }

    // Sends the batches that became ready in this gate step. Called, under the gate, at the end of every step.
    private void FlushBatches()
    {
        if (_pendingBatches is not { } batches)
        {
            return;
        }

        _pendingBatches = null;
        foreach ((ToolDescriptor tool, List<CallState> calls) in batches)
        {
            var work = new BatchWork(tool, [.. calls]);
            foreach (CallState call in calls)
            {
                call.Work = work;
                call.InBatch = true;
            }

            _executor.Enqueue(_conversation, work);
        }
    }

    // Called by the executor when a slot is free for a batch.
    private void StartBatch(BatchWork work)
    {
        CallState[] calls = work.Calls;
        CallState[] live;
        lock (_gate)
        {
            live = [.. calls.Where(c => c.Status == CallStatus.Queued)];
            foreach (CallState dropped in calls.Where(c => c.Status != CallStatus.Queued))
            {
                dropped.Cancellation?.Dispose();
            }

            if (live.Length > 0)
            {
                _runningTasks++;
            }
        }

        if (live.Length == 0)
        {
            // Every call was cancelled after the executor took the batch: give the slot back, outside the gate
            // (releasing may start another conversation's work, which takes that block's gate).
            _executor.Release(_conversation, work);
            return;
        }

        lock (_gate)
        {

            Emit(new ToolCallsBatched(work.Tool!.Name, [.. live.Select(c => c.Call.CallId)]) { Turn = live[0].Call.Turn });
            foreach (CallState call in live)
            {
                call.Status = CallStatus.Running;
                call.StartedAt = TimeProvider.GetTimestamp();
                Emit(new ToolCallStarted(call.Call) { Turn = call.Call.Turn });
            }
        }

        _ = Task.Factory.StartNew(
            static s => ((CallState[])s!)[0].Block.RunBatchAsync((CallState[])s!),
            live,
            CancellationToken.None,
            TaskCreationOptions.DenyChildAttach,
            TaskScheduler).Unwrap();
    }

    private async Task RunBatchAsync(CallState[] calls)
    {
        ToolDescriptor tool = calls[0].Tool!;
        try
        {
            IReadOnlyList<AIFunctionArguments> arguments = [.. calls.Select(c => new AIFunctionArguments(c.Call.Arguments is null ? new Dictionary<string, object?>() : new Dictionary<string, object?>(c.Call.Arguments)))];
            IReadOnlyList<object?> results = await tool.BatchInvoker!(arguments, CancellationToken).ConfigureAwait(false);
            lock (_gate)
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
                        if (calls[i].Status == CallStatus.Running)
                        {
                            Complete(calls[i], results[i]);
                        }
                        else
                        {
                            Emit(new ToolResultDiscarded(calls[i].Call, results[i]) { Turn = calls[i].Call.Turn });
                        }
                    }
                }

                FlushBatches();
            }
        }
        catch (Exception e)
        {
            lock (_gate)
            {
                foreach (CallState call in calls.Where(c => c.Status == CallStatus.Running))
                {
                    FailFromException(call, e);
                }

                FlushBatches();
            }
        }
        finally
        {
            foreach (CallState call in calls)
            {
                call.Cancellation?.Dispose();
            }

            _executor.Release(_conversation, calls[0].Work!);
            TaskEnded();
        }
    }

    // The result of the call a reference was bound to when its call closed.
    private static JsonElement ResultOf(CallState state, ToolReferenceSyntax syntax, string target) =>
        state.Targets is { } targets && targets.TryGetValue((syntax == ToolReferenceSyntax.Futures, target), out CallState? bound) && bound.ResultJson is { } result
            ? result
            : throw new ToolReferenceException($"No result for '{target}'.");

    private static string? EndedBadly(ResponseCompleted response) =>
        response.Error is not null ? "an error"
        : response.FinishReason == ChatFinishReason.Length ? "the length limit"
        : response.FinishReason == ChatFinishReason.ContentFilter ? "a content filter"
        : null;

    private void ReportWaiting(CallState state, ToolCallWaitReason reason, string? detail)
    {
        if (state.ReportedWait != reason)
        {
            state.ReportedWait = reason;
            Emit(new ToolCallWaiting(state.Call, reason, detail) { Turn = state.Call.Turn });
        }
    }

    private void RequestApproval(CallState state)
    {
        state.Status = CallStatus.AwaitingApproval;
        state.Cancellation = CancellationTokenSource.CreateLinkedTokenSource(CancellationToken);
        Emit(new ToolCallApprovalRequested(state.Call) { Turn = state.Call.Turn });
        if (_options.ApprovalHandler is not { } handler)
        {
            Fail(state, ToolCallFailureKind.Rejected, $"The call to '{state.Call.Name}' needs approval and no approver is configured.");
            return;
        }

        _ = ApproveAsync(state, handler);
    }

    private async Task ApproveAsync(CallState state, ToolApprovalHandler handler)
    {
        bool approved;
        try
        {
            approved = await handler(state.Call, state.Cancellation!.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            lock (_gate)
            {
                if (state.Status == CallStatus.AwaitingApproval)
                {
                    Fail(state, ToolCallFailureKind.Rejected, $"The approver failed for '{state.Call.Name}': {e.Message}");
                }
            }

            return;
        }

        lock (_gate)
        {
            if (state.Status != CallStatus.AwaitingApproval)
            {
                return;
            }

            if (!approved)
            {
                Fail(state, ToolCallFailureKind.Rejected, $"The call to '{state.Call.Name}' was not approved.");
                return;
            }

            state.Approved = true;
            state.Status = CallStatus.Waiting;
            Advance(state);
            FlushBatches();
        }
    }

    // Called by the executor when a slot is free, outside its lock.
    private void StartWork(CallState state)
    {
        bool giveBack;
        lock (_gate)
        {
            giveBack = state.Status != CallStatus.Queued;
            if (!giveBack)
            {
                state.Status = CallStatus.Running;
                _runningTasks++;
                state.StartedAt = TimeProvider.GetTimestamp();
                Emit(new ToolCallStarted(state.Call) { Turn = state.Call.Turn });
            }
        }

        if (giveBack)
        {
            // Cancelled after the executor took it: give the slot back, outside the gate.
            _executor.Release(_conversation, state);
            return;
        }

        // The tool runs on the block's scheduler, so its synchronous part never holds up the thread that freed
        // the slot or closed the call; on the thread pool the call is its own work item (nothing to allocate), queued
        // on this thread's local queue, as a task started here would be: it runs next, ahead of event delivery queued
        // globally, and an idle thread steals it.
        if (TaskScheduler == TaskScheduler.Default)
        {
            ThreadPool.UnsafeQueueUserWorkItem(state, preferLocal: true);
        }
        else
        {
            _ = Task.Factory.StartNew(static s => ((IThreadPoolWorkItem)s!).Execute(), state, CancellationToken.None, TaskCreationOptions.DenyChildAttach, TaskScheduler);
        }
    }

    private async Task RunAsync(CallState state)
    {
        try
        {
            object? result = await InvokeAsync(state).ConfigureAwait(false);
            lock (_gate)
            {
                ReportCircuit(state);
                if (state.Status == CallStatus.Running)
                {
                    Complete(state, result);
                }
                else
                {
                    Emit(new ToolResultDiscarded(state.Call, result) { Turn = state.Call.Turn });
                }

                FlushBatches();
            }
        }
        catch (Exception e)
        {
            lock (_gate)
            {
                ReportCircuit(state);
                if (state.Status == CallStatus.Running)
                {
                    FailFromException(state, e);
                }

                FlushBatches();
            }
        }
        finally
        {
            // What only the running call needs is let go, so a finished call keeps little alive.
            CancellationTokenSource? cancellation = state.Cancellation;
            state.Cancellation = null;
            cancellation?.Dispose();
            _executor.Release(_conversation, state.Work!);
            TaskEnded();
        }
    }

    private async ValueTask<object?> InvokeAsync(CallState state)
    {
        var arguments = new AIFunctionArguments(state.Call.Arguments is null ? new Dictionary<string, object?>() : new Dictionary<string, object?>(state.Call.Arguments));
        CancellationToken token = state.Cancellation!.Token;
        ResiliencePipeline? pipeline = _executor.GetResiliencePipeline(state.Tool!);
        if (pipeline is null)
        {
            return await AttemptAsync(state, arguments, token).ConfigureAwait(false);
        }

        ResilienceContext context = ResilienceContextPool.Shared.Get(token);
        context.Properties.Set(ToolExecutor.ObserverKey, state);
        try
        {
            return await pipeline.ExecuteAsync(
                static (ctx, s) => s.Block.AttemptAsync(s.State, s.Arguments, ctx.CancellationToken),
                context,
                (Block: this, State: state, Arguments: arguments)).ConfigureAwait(false);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    // One attempt, with the tool's timeout on the block's clock.
    private async ValueTask<object?> AttemptAsync(CallState state, AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        if (state.Tool!.Timeout is not { } timeout)
        {
            return await state.Tool.Function.InvokeAsync(arguments, cancellationToken).ConfigureAwait(false);
        }

        // The timeout races the tool instead of only cancelling it: a cancelled task completes its awaiters later
        // on the thread pool, and the failure belongs at the instant the timeout fell due.
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var timedOut = new TaskCompletionSource();
        using ITimer timer = TimeProvider.CreateTimer(static s => ((TaskCompletionSource)s!).TrySetResult(), timedOut, timeout, Timeout.InfiniteTimeSpan);
        Task<object?> invocation = state.Tool.Function.InvokeAsync(arguments, attempt.Token).AsTask();
        if (await Task.WhenAny(invocation, timedOut.Task).ConfigureAwait(false) == invocation)
        {
            return await invocation.ConfigureAwait(false);
        }

        attempt.Cancel();
        _ = invocation.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        throw new TimeoutRejectedException($"The attempt took longer than {timeout.TotalMilliseconds} ms.", timeout);
    }

    private void ReportCircuit(CallState state)
    {
        if (_executor.ObserveCircuit(state.Tool!) is { } circuit)
        {
            Emit(new ToolCircuitStateChanged(state.Tool!.Name, circuit) { Turn = state.Call.Turn });
        }
    }

    private void FailFromException(CallState state, Exception e)
    {
        string name = state.Call.Name;
        switch (e)
        {
            case OperationCanceledException when state.Cancellation?.IsCancellationRequested == true:
                Fail(state, ToolCallFailureKind.Cancelled, $"The call to '{name}' was cancelled.", exception: e);
                break;
            case TimeoutRejectedException:
                Fail(state, ToolCallFailureKind.TimedOut, $"The call to '{name}' timed out after {state.Tool!.Timeout?.TotalMilliseconds} ms.", exception: e);
                break;
            case BrokenCircuitException:
                Fail(state, ToolCallFailureKind.CircuitOpen, $"The tool '{name}' is failing too often; its circuit is open.", exception: e);
                break;
            default:
                string message = $"The tool '{name}' failed: {e.Message}";
                Fail(state, ToolCallFailureKind.ToolException, message, _options.IncludeDetailedErrors ? $"Error: {message}" : $"Error: the tool '{name}' failed.", e);
                break;
        }
    }

    private void Complete(CallState state, object? result)
    {
        state.Status = CallStatus.Completed;
        state.Result = result;

        Emit(new ToolCallCompleted(state.Call, result, TimeProvider.GetElapsedTime(state.StartedAt)) { Turn = state.Call.Turn });
        foreach (CallState follower in state.Followers ?? s_noCalls)
        {
            if (follower.Status == CallStatus.Following)
            {
                Complete(follower, result);
            }
        }

        state.Followers = null;
        foreach (CallState dependent in state.Dependents ?? s_noCalls)
        {
            if (dependent.WaitingOn!.Remove(state))
            {
                Advance(dependent);
            }
        }

        Ended();
    }

    private bool Cancel(CallState state, string reason)
    {
        switch (state.Status)
        {
            case CallStatus.Following:
                foreach (CallState call in _byArguments.Values)
                {
                    call.Followers?.Remove(state);
                }

                break;
            case CallStatus.Queued when state.InBatch:
                // The batch starts without it.
                break;
            case CallStatus.Queued when state.Work is not null && !_executor.TryDequeue(_conversation, state.Work):
                // The executor is starting it right now; StartWork sees the new status and gives the slot back.
                break;
            case CallStatus.Running:
                // Ended first: a tool whose cancellation completes inline then finds its call already over.
                Fail(state, ToolCallFailureKind.Cancelled, $"The call to '{state.Call.Name}' was cancelled: {reason}");
                state.Cancellation?.Cancel();
                return true;
            case CallStatus.Completed or CallStatus.Failed:
                return false;
        }

        Fail(state, ToolCallFailureKind.Cancelled, $"The call to '{state.Call.Name}' was cancelled: {reason}");
        return true;
    }

    private void Fail(CallState state, ToolCallFailureKind kind, string message, string? forModel = null, Exception? exception = null)
    {
        if (state.Status is CallStatus.Cancelling)
        {
            return;
        }

        TimeSpan? duration = state.Status == CallStatus.Running ? TimeProvider.GetElapsedTime(state.StartedAt) : null;
        if (state.Status == CallStatus.AwaitingApproval)
        {
            state.Cancellation?.Cancel();
        }

        if (state.Status is not CallStatus.Running && !(state.Status is CallStatus.Queued && state.InBatch))
        {
            // No task of its own will dispose the linked token: unregister it from the block's token now.
            state.Cancellation?.Dispose();
            state.Cancellation = null;
        }

        state.Status = CallStatus.Failed;
        state.FailureKind = kind;
        state.FailureMessage = message;
        Emit(new ToolCallFailed(state.Call, kind, message, forModel ?? $"Error: {message}", exception, duration) { Turn = state.Call.Turn });
        if (state.ArgumentsHash is { } hash && _byArguments.GetValueOrDefault((state.Tool!, hash)) == state)
        {
            _byArguments.Remove((state.Tool!, hash));
        }

        foreach (CallState follower in state.Followers ?? s_noCalls)
        {
            if (follower.Status != CallStatus.Following)
            {
                continue;
            }

            if (kind == ToolCallFailureKind.Cancelled)
            {
                // The original was cancelled, not the duplicate: it runs after all (the first becomes the new original).
                follower.Status = CallStatus.Waiting;
                Ready(follower);
            }
            else
            {
                Fail(follower, kind, $"The identical call {state.Call.CallId} failed: {message}", forModel, exception);
            }
        }

        state.Followers = null;
        foreach (CallState dependent in state.Dependents ?? s_noCalls)
        {
            if (dependent.Status is CallStatus.Waiting or CallStatus.AwaitingApproval)
            {
                FailForDependency(dependent, state);
            }
        }

        Ended();
    }

    private void FailForDependency(CallState state, CallState dependency)
    {
        bool cancelled = dependency.FailureKind == ToolCallFailureKind.Cancelled;
        string what = cancelled ? "was cancelled" : "failed";
        Fail(
            state,
            cancelled ? ToolCallFailureKind.Cancelled : ToolCallFailureKind.DependencyFailed,
            $"The call to '{state.Call.Name}' was not run: it depends on call {dependency.Call.CallId} ({dependency.Call.Name}), which {what}: {dependency.FailureMessage}");
    }

    private void Ended()
    {
        --_active;
        TryDrain();
    }

    // A tool task ended, after its call may have (a cancelled call ends at once; its late result is still
    // reported, as stale, so the block waits for the task too).
    private void TaskEnded()
    {
        lock (_gate)
        {
            --_runningTasks;
            TryDrain();
        }
    }

    private void TryDrain()
    {
        if (_active == 0 && _runningTasks == 0 && _inputCompleted)
        {
            _drained.TrySetResult();
        }
    }

    private enum CallStatus
    {
        Waiting,
        AwaitingApproval,
        Queued,
        Following,
        Running,
        Cancelling,
        Completed,
        Failed,
    }

    /// <summary>A batch of calls to a batchable tool, queued and started as one work.</summary>
    private sealed class BatchWork : ExecutorWork
    {
        public BatchWork(ToolDescriptor tool, CallState[] calls)
        {
            Tool = tool;
            Calls = calls;
        }

        public CallState[] Calls { get; }

        public override void Start() => Calls[0].Block.StartBatch(this);
    }

    /// <summary>
    /// A call's progress through the gate and the executor. Guarded by the block's gate lock. It is its own executor
    /// work and its own thread-pool work item, and holds collections only once it needs them: a call costs a few
    /// objects, not a dozen.
    /// </summary>
    private sealed class CallState(ToolExecutionBlock block, ToolCall call) : ExecutorWork, IThreadPoolWorkItem, IResilienceObserver
    {
        public ToolExecutionBlock Block { get; } = block;

        public ToolCall Call { get; set; } = call;

        public CallStatus Status { get; set; }

        public bool WaitsForResponse { get; set; }

        public bool Approved { get; set; }

        public ToolCallWaitReason? ReportedWait { get; set; }

        public IReadOnlyList<ToolReference> References { get; set; } = [];

        /// <summary>The calls it still waits for; <see langword="null"/> until it waits for one.</summary>
        public HashSet<CallState>? WaitingOn { get; set; }

        /// <summary>The call each reference is bound to: (is a future, target).</summary>
        public Dictionary<(bool Future, string Target), CallState>? Targets { get; set; }

        public List<CallState>? Dependents { get; set; }

        public CancellationTokenSource? Cancellation { get; set; }

        public ExecutorWork? Work { get; set; }

        /// <summary>The execution context the call closed in, which its tool runs in.</summary>
        public ExecutionContext? Context { get; set; }

        public long StartedAt { get; set; }

        /// <summary>The result as references read it, converted the first time a reference reads it.</summary>
        public JsonElement? ResultJson => Status == CallStatus.Completed ? _resultJson ??= ToolCallReferences.ToJson(Result) : null;

        private JsonElement? _resultJson;

        public object? Result { get; set; }

        public ulong? ArgumentsHash { get; set; }

        public bool InBatch { get; set; }

        public List<CallState>? Followers { get; set; }

        public ToolCallFailureKind? FailureKind { get; set; }

        public string? FailureMessage { get; set; }

        public override void Start() => Block.StartWork(this);

        void IThreadPoolWorkItem.Execute()
        {
            if (Context is { } context)
            {
                ExecutionContext.Run(context, static s => ((CallState)s!).Run(), this);
            }
            else
            {
                Run();
            }
        }

        public void Run()
        {
            Context = null;
            _ = Block.RunAsync(this);
        }

        public void OnRetry(int attempt, TimeSpan delay, Exception? error)
        {
            lock (Block._gate)
            {
                Block.Emit(new ToolCallRetrying(Call, attempt, delay, error) { Turn = Call.Turn });
            }
        }
    }
}
