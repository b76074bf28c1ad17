namespace ToolFlow.Blocks;

/// <summary>Approval: a call that needs it waits for the first decision, from the approver or from outside.</summary>
/// <remarks>Each entry takes the gate's lock (see the lock scheme in CallGate.cs); tokens are retired outside it.</remarks>
internal sealed partial class CallGate
{
    /// <summary>Approves or denies a call that waits for approval, if it still does.</summary>
    /// <param name="callId">The call.</param>
    /// <param name="approved">The decision.</param>
    /// <param name="reason">Why it was denied, for the model and the caller; <see langword="null"/> for none.</param>
    /// <returns><see cref="ToolControlResult.Applied"/>, or why nothing changed.</returns>
    public ToolControlResult Decide(string callId, bool approved, string? reason)
    {
        CancellationTokenSource? pending;
        lock (_lock)
        {
            if (!_callsById.TryGetValue(callId, out CallState? state))
            {
                return ToolControlResult.UnknownCall;
            }

            // A decision already taken wins over the call's later fate, so "twice" reads as twice, not as "ended".
            if (state.Approved)
            {
                return ToolControlResult.AlreadyApproved;
            }

            if (state.Denied)
            {
                return ToolControlResult.AlreadyDenied;
            }

            if (state.Status != CallStatus.AwaitingApproval)
            {
                return state.Status is CallStatus.Completed or CallStatus.Failed ? ToolControlResult.CallEnded : ToolControlResult.NotAwaitingApproval;
            }

            pending = ApplyDecision(state, approved, reason is null ? null : $" {reason}");
        }

        Retire(pending);
        InlineCalls.RunPending();
        return ToolControlResult.Applied;
    }

    private void RequestApproval(CallState state)
    {
        state.Status = CallStatus.AwaitingApproval;
        state.Run!.Cancellation = CancellationTokenSource.CreateLinkedTokenSource(_cancellationToken);
        if (_options.ApprovalHandler is not null || _options.ExternalApproval)
        {
            // A decision can come: the call waits for it, like any other wait, and says so.
            ReportWaiting(state, ToolCallWaitReason.Approval, null);
        }

        _block.Emit(new ToolCallApprovalRequested(state.Call) { Turn = state.Call.Turn });
        if (_options.ApprovalHandler is { } handler)
        {
            _ = ApproveAsync(state, handler);
        }
        else if (!_options.ExternalApproval)
        {
            Fail(state, ToolCallFailureKind.Rejected, $"The call to '{state.Call.Name}' needs approval and no approver is configured.");
        }
    }

    private async Task ApproveAsync(CallState state, ToolApprovalHandler handler)
    {
        // Read before the first await, under the lock RequestApproval holds: the call may end (and let go of its
        // in-flight state) while the handler decides.
        CancellationToken token = state.Run!.Cancellation!.Token;
        bool approved;
        try
        {
            approved = await handler(state.Call, token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            lock (_lock)
            {
                if (state.Status == CallStatus.AwaitingApproval)
                {
                    Fail(state, ToolCallFailureKind.Rejected, $"The approver failed for '{state.Call.Name}': {e.Message}");
                }
            }

            return;
        }

        CancellationTokenSource? pending = null;
        lock (_lock)
        {
            if (state.Status == CallStatus.AwaitingApproval)
            {
                pending = ApplyDecision(state, approved, null);
            }
        }

        Retire(pending);

        // A handler that answered synchronously did so under the lock of the step that asked it: that step runs
        // what was queued once it lets go.
        if (!HoldsLock)
        {
            InlineCalls.RunPending();
        }
    }

    // Under the lock, for a call awaiting approval: the first decision, from the handler or from outside. Returns the
    // approval's token source when the call goes on, for the caller to retire after the lock.
    private CancellationTokenSource? ApplyDecision(CallState state, bool approved, string? reason)
    {
        if (!approved)
        {
            state.Denied = true;
            Fail(state, ToolCallFailureKind.Rejected, $"The call to '{state.Call.Name}' was not approved.{reason}");
            return null;
        }

        state.Approved = true;
        state.Status = CallStatus.Waiting;

        // The invoker gives the call a token of its own.
        CancellationTokenSource? pending = state.Run!.Cancellation;
        state.Run.Cancellation = null;
        Advance(state);
        Invoker.FlushBatches();
        return pending;
    }

    // A handler still deciding learns its answer is moot. Outside the lock, as Fire: its callbacks are the handler's code.
    private static void Retire(CancellationTokenSource? pending)
    {
        if (pending is not null)
        {
            pending.Cancel();
            pending.Dispose();
        }
    }

    // As Retire, from under the lock (a call ends while its approver decides): the approver's callbacks run off this
    // thread, never under the lock (they may call back into the gate); the source goes once they have run.
    private static void RetireUnderLock(CancellationTokenSource approval) =>
        _ = approval.CancelAsync().ContinueWith(
            static (_, source) => ((CancellationTokenSource)source!).Dispose(),
            approval,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);

}
