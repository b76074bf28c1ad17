using System.Text.Json;
using Microsoft.Extensions.AI;

namespace ToolFlow.Blocks;

/// <summary>
/// The Gate stage of a <see cref="ToolExecutionBlock"/>: the table of one conversation's calls. A closed call waits
/// here only for what it truly needs (the results it refers to, the clean end of its response for side-effecting
/// tools, an approval); an identical earlier call of a tool that is safe to repeat answers for it; then it goes to
/// the <see cref="CallInvoker"/>. Every outcome is decided here, so each call ends exactly once.
/// </summary>
/// <remarks>
/// <para>
/// Lock scheme: <see cref="_lock"/> is the execution block's one lock. It guards the call table, every
/// <see cref="CallState"/> and the invoker's pending batches. It is taken before the executor's lock, never after
/// it, so the invoker queues work under it but starts and releases work only outside it. Events about a call are
/// emitted under it, so a call's events keep their order; a running call's token fires only outside it. Every public
/// member of this type takes it (those the invoker calls to report are in CallGate.Reports.cs); the invoker's members
/// the gate calls under it say so.
/// </para>
/// <para>
/// Dispatch is driven by events (a call closing, a result arriving, a response ending, an approval): a call whose
/// last dependency completes is handed to the invoker in the same instant, with no polling. Each step ends by
/// sending the batches it made ready and, once the lock is released, by running the calls it started of tools that
/// complete synchronously (<see cref="InlineCalls"/>): a tool body never runs under the lock.
/// </para>
/// <para>
/// A call's entry (<see cref="CallState"/>) lives as long as the conversation; what only a call under way needs is its
/// <see cref="CallRun"/>, which the entry lets go of when the call ends.
/// </para>
/// </remarks>
internal sealed partial class CallGate
{
    private readonly object _lock = new();

    // What a call without dependents or followers iterates; never added to.
    private static readonly List<CallState> s_noCalls = [];
    private readonly ToolExecutionBlock _block;
    private readonly Dictionary<string, ToolDescriptor> _tools;
    private readonly ToolExecutionBlockOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly CancellationToken _cancellationToken;
    // Sets of entries looked up by id and by hash (see CallIdComparer, ArgumentsHashComparer): a third smaller per
    // call than dictionaries to the same entries.
    private readonly HashSet<CallState> _calls = new(CallIdComparer.Instance);
    private readonly HashSet<CallState>.AlternateLookup<string> _callsById;
    private readonly Dictionary<string, CallState> _labels = new(StringComparer.Ordinal);
    private readonly Dictionary<int, ResponseCompleted> _responses = [];
    // By the canonical arguments' hash mixed with the tool's name: a 64-bit key keeps each entry small, and a match
    // is confirmed by tool and canonical bytes.
    private readonly HashSet<CallState> _byArguments = new(ArgumentsHashComparer.Instance);
    private readonly HashSet<CallState>.AlternateLookup<ulong> _byArgumentsHash;
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private List<CancellationTokenSource>? _toCancel;
    private List<BodyWatch>? _toWatch;
    private string? _cancelledAll;
    private int _active;
    private int _runningTasks;
    private bool _inputCompleted;

    public CallGate(ToolExecutionBlock block, Dictionary<string, ToolDescriptor> tools, ToolExecutionBlockOptions options)
    {
        _block = block;
        _tools = tools;
        _options = options;
        _timeProvider = options.TimeProvider;
        _cancellationToken = options.CancellationToken;
        Invoker = new CallInvoker(this, options);
        _callsById = _calls.GetAlternateLookup<string>();
        _byArgumentsHash = _byArguments.GetAlternateLookup<ulong>();
    }

    /// <summary>The block's options, as it snapshotted them.</summary>
    public ToolExecutionBlockOptions Options => _options;

    /// <summary>Where ready calls go.</summary>
    public CallInvoker Invoker { get; }

    /// <summary>Whether this thread holds the gate's lock (so a call started now must not run here yet).</summary>
    public bool HoldsLock => Monitor.IsEntered(_lock);

    /// <summary>A call closed: it enters the table and moves as far as it can.</summary>
    public void OnClosed(ToolCall call)
    {
        lock (_lock)
        {
            var state = new CallState(call);
            state.Run = new CallRun(Invoker, state) { Context = ExecutionContext.Capture() };
            // A reused id names the new call from now on.
            _callsById.Remove(call.CallId);
            _calls.Add(state);
            _active++;
            try
            {
                if (_cancelledAll is { } reason)
                {
                    // The parser may still close calls of a cancelled turn: they never start.
                    Fail(state, ToolCallFailureKind.Cancelled, $"The call to '{call.Name}' was cancelled: {reason}");
                }
                else
                {
                    Admit(state);
                }
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

            Invoker.FlushBatches();
        }

        InlineCalls.RunPending();
    }

    /// <summary>A response ended: the calls of its turn that waited for it move on.</summary>
    public void OnResponseCompleted(ResponseCompleted response)
    {
        lock (_lock)
        {
            _responses[response.Turn] = response;
            foreach (CallState state in _calls.ToArray())
            {
                if (state.Status == CallStatus.Waiting && state.Call.Turn == response.Turn)
                {
                    Advance(state);
                }
            }

            Invoker.FlushBatches();
        }

        InlineCalls.RunPending();
    }

    /// <summary>No more events will come: calls still waiting for a response are not run.</summary>
    /// <returns>A task that completes once every call has ended and every tool task with it.</returns>
    public Task OnInputCompleted()
    {
        lock (_lock)
        {
            _inputCompleted = true;
            foreach (CallState state in _calls.ToArray())
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

    /// <summary>Cancels one call and the calls that depend on it.</summary>
    /// <returns><see cref="ToolControlResult.Applied"/>, or why nothing changed.</returns>
    public ToolControlResult CancelCall(string callId)
    {
        ToolControlResult cancelled;
        List<CancellationTokenSource>? toCancel;
        List<BodyWatch>? toWatch;
        lock (_lock)
        {
            cancelled = !_callsById.TryGetValue(callId, out CallState? state) ? ToolControlResult.UnknownCall
                : Cancel(state, "It was cancelled.") ? ToolControlResult.Applied
                : ToolControlResult.CallEnded;

            // A follower of a cancelled call runs after all, perhaps in a batch.
            Invoker.FlushBatches();
            toCancel = TakeCancellations(out toWatch);
        }

        Fire(toCancel, toWatch);
        InlineCalls.RunPending();
        return cancelled;
    }

    /// <summary>Cancels a call and every call that depends on it, directly or not, even if the call itself has ended.</summary>
    /// <returns>How many calls were cancelled, or -1 if no call has that id.</returns>
    public int CancelBranch(string callId)
    {
        int cancelled;
        List<CancellationTokenSource>? toCancel;
        List<BodyWatch>? toWatch;
        lock (_lock)
        {
            if (!_callsById.TryGetValue(callId, out CallState? root))
            {
                return -1;
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

            cancelled = branch.Count(s => s.Status is not (CallStatus.Completed or CallStatus.Failed));
            foreach (CallState state in branch)
            {
                Cancel(state, state == root ? "Its branch was cancelled." : $"Its branch, from call {root.Call.CallId} ({root.Call.Name}), was cancelled.");
            }

            // As in CancelCall: a follower of a cancelled call runs after all, perhaps in a batch.
            Invoker.FlushBatches();
            toCancel = TakeCancellations(out toWatch);
        }

        Fire(toCancel, toWatch);
        InlineCalls.RunPending();
        return cancelled;
    }

    /// <summary>Cancels every call under way, and every call that closes from now on, with <paramref name="reason"/>.</summary>
    /// <returns>How many calls were cancelled.</returns>
    public int CancelAll(string reason)
    {
        int cancelled = 0;
        List<CancellationTokenSource>? toCancel;
        List<BodyWatch>? toWatch;
        lock (_lock)
        {
            _cancelledAll ??= reason;
            foreach (CallState state in _calls.ToArray())
            {
                // A dependent cancelled with its dependency earlier in this loop has ended by the time it comes up.
                if (state.Status is not (CallStatus.Completed or CallStatus.Failed) && Cancel(state, reason))
                {
                    cancelled++;
                }
            }

            Invoker.FlushBatches();
            toCancel = TakeCancellations(out toWatch);
        }

        Fire(toCancel, toWatch);
        InlineCalls.RunPending();
        return cancelled;
    }

    // Under the lock: the tokens and the watches Cancel set aside, for Fire.
    private List<CancellationTokenSource>? TakeCancellations(out List<BodyWatch>? watches)
    {
        List<CancellationTokenSource>? sources = _toCancel;
        _toCancel = null;
        watches = _toWatch;
        _toWatch = null;
        return sources;
    }

    // Fires the tokens of the running calls Cancel ended, outside the lock: a tool that ends inline on its token gives
    // its executor slot back, which may start another conversation's call and take that block's lock; under this
    // lock, two blocks sharing an executor could then take their locks in opposite orders. Then the bodies that did
    // not end on their token are watched.
    private void Fire(List<CancellationTokenSource>? sources, List<BodyWatch>? watches)
    {
        if (sources is not null)
        {
            FireAll(sources);
        }

        if (watches is not null)
        {
            ArmWatches(watches);
        }
    }

    private static void FireAll(List<CancellationTokenSource> sources)
    {
        foreach (CancellationTokenSource source in sources)
        {
            try
            {
                source.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The tool ended between the lock and here, and its task let go of the token: nothing left to stop.
            }
        }
    }

    // Checks a new call and binds its references to the calls they name.
    private void Admit(CallState state)
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

    private CallState? Lookup(ToolReference reference) =>
        reference.Syntax == ToolReferenceSyntax.Futures
            ? (_callsById.TryGetValue(reference.Target, out CallState? call) ? call : null)
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

        // Without a policy this is the one cost of permissions: a null check.
        if (_options.PolicyFor(state.Tool) is { } policy)
        {
            CheckPermission(state, policy);
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
            _block.Emit(new ToolCallWaiting(state.Call, reason, detail) { Turn = state.Call.Turn });
        }
    }

    // The call may run. An identical earlier call of a tool that is safe to repeat answers for it; any other call
    // goes to the invoker.
    private void Ready(CallState state)
    {
        ToolDescriptor tool = state.Tool!;
        if (tool.IsSafeToRepeat && _options.DeduplicateCalls)
        {
            ulong key = CanonicalJson.Hash(state.Call.Arguments) ^ ((ulong)(uint)StringComparer.Ordinal.GetHashCode(tool.Name) * 0x9E3779B97F4A7C15UL);
            bool known = _byArgumentsHash.TryGetValue(key, out CallState? original);
            if (known && original!.Status != CallStatus.Failed && original.Tool == tool && CanonicalJson.Equal(original.Call.Arguments, state.Call.Arguments))
            {
                _block.Emit(new ToolCallDeduplicated(state.Call, original.Call.CallId) { Turn = state.Call.Turn });
                state.StartedAt = _timeProvider.GetTimestamp();
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
                // Out before the hash is set: the table finds entries by it.
                _byArgumentsHash.Remove(key);
                state.ArgumentsHash = key;
                _byArguments.Add(state);
                state.Hashed = true;
            }
        }

        state.Status = CallStatus.Queued;
        Invoker.Submit(state);
    }

    private void ReportCircuit(CallState state)
    {
        if (Invoker.ObserveCircuit(state.Tool!) is { } circuit)
        {
            _block.Emit(new ToolCircuitStateChanged(state.Tool!.Name, circuit) { Turn = state.Call.Turn });
        }
    }

    private void FailFromException(CallState state, Exception exception)
    {
        (ToolCallFailureKind kind, string message, string? forModel) = Invoker.DescribeFailure(state, exception);
        Fail(state, kind, message, forModel, exception);
    }

    private void Complete(CallState state, object? result)
    {
        // Read before the run goes, which keeps the instant the call started.
        TimeSpan duration = _timeProvider.GetElapsedTime(state.StartedAt);
        state.Status = CallStatus.Completed;
        state.Result = result;

        // As in Fail: the in-flight state goes; a task still running holds its own.
        state.Run = null;

        _block.Emit(new ToolCallCompleted(state.Call, result, duration) { Turn = state.Call.Turn });
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
                foreach (CallState call in _byArguments)
                {
                    call.Followers?.Remove(state);
                }

                break;
            case CallStatus.Queued when state.Run!.InBatch:
                // The batch starts without it.
                break;
            case CallStatus.Queued when state.Run!.Work is not null && !Invoker.TryDequeue(state.Run):
                // The executor is starting it right now; TryStart sees the new status and the slot is given back.
                break;
            case CallStatus.Running:
                // Ended first, then its token fires (after the lock, in Fire): a tool whose cancellation
                // completes inline then finds its call already over, so the call ends once, at the instant it was cancelled.
                // Read before the call ends and lets go of its run.
                CallRun run = state.Run!;
                CancellationTokenSource? source = run.Cancellation;
                Fail(state, ToolCallFailureKind.Cancelled, $"The call to '{state.Call.Name}' was cancelled: {reason}");
                if (source is not null)
                {
                    (_toCancel ??= []).Add(source);
                }

                // Its body holds the slot until it returns (a batch's, once every call of the batch has ended); it is
                // watched once its token has fired, if it is still running then.
                if (run.Work is BatchWork batch ? batch.Started.All(static c => c.Status is CallStatus.Completed or CallStatus.Failed) : run.Work is not null)
                {
                    (_toWatch ??= []).Add(Watch(run.Work!));
                }

                return true;
            case CallStatus.Completed or CallStatus.Failed:
                return false;
        }

        Fail(state, ToolCallFailureKind.Cancelled, $"The call to '{state.Call.Name}' was cancelled: {reason}");
        return true;
    }

    private void Fail(CallState state, ToolCallFailureKind kind, string message, string? forModel = null, Exception? exception = null)
    {
        TimeSpan? duration = state.Status == CallStatus.Running ? _timeProvider.GetElapsedTime(state.StartedAt) : null;
        CallRun? run = state.Run;
        if (state.Status is (CallStatus.AwaitingApproval or CallStatus.CheckingPermission) && run?.Cancellation is { } approval)
        {
            run.Cancellation = null;
            RetireUnderLock(approval);
        }

        if (run is not null && state.Status is not CallStatus.Running && !(state.Status is CallStatus.Queued && run.InBatch))
        {
            // No task of its own will dispose the linked token: unregister it from the block's token now.
            run.Cancellation?.Dispose();
            run.Cancellation = null;
        }

        // The call has ended: its in-flight state goes (a task still running holds its own until it ends).
        state.Run = null;

        state.Status = CallStatus.Failed;
        state.FailureKind = kind;
        state.FailureMessage = message;
        _block.Emit(new ToolCallFailed(state.Call, kind, message, forModel ?? $"Error: {message}", exception, duration) { Turn = state.Call.Turn });
        if (state.Hashed && _byArgumentsHash.TryGetValue(state.ArgumentsHash, out CallState? entry) && entry == state)
        {
            _byArgumentsHash.Remove(state.ArgumentsHash);
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

    private void TryDrain()
    {
        if (_active == 0 && _runningTasks == 0 && _inputCompleted)
        {
            _drained.TrySetResult();
        }
    }
}
