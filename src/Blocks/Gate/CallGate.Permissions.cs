namespace ToolFlow.Blocks;

/// <summary>
/// Permissions: with a policy (<see cref="ToolExecutionBlockOptions.PermissionPolicy"/>), a call free to run is
/// checked before it is handed to the invoker, and its result is checked before it completes the call.
/// </summary>
/// <remarks>
/// Each entry takes the gate's lock (see the lock scheme in CallGate.cs). The policy itself is never asked under it:
/// the dispatch check runs from the thread's inline queue once the step's lock is released, and the result check on
/// the call's own flow before it reports back.
/// </remarks>
internal sealed partial class CallGate
{
    /// <summary>The dispatch check of a call came back (<see cref="PermissionCheck"/>): the call is handed on, or fails.</summary>
    public void OnDispatchChecked(CallState state, PermissionAnswer answer)
    {
        lock (_lock)
        {
            if (answer.Diagnostic is { } diagnostic)
            {
                _block.Emit(diagnostic);
            }

            // Ended while the policy decided (cancelled): the decision is moot.
            if (state.Status == CallStatus.CheckingPermission)
            {
                // The check's token is done with; the invoker gives the call a token of its own.
                CallRun run = state.Run!;
                run.Cancellation?.Dispose();
                run.Cancellation = null;
                ToolCall call = state.Call;
                if (answer.Decision is not { } decision)
                {
                    // Only the block's own token (the run's) fires without the call being cancelled first.
                    Fail(state, ToolCallFailureKind.Cancelled, $"The call to '{call.Name}' was cancelled while its permission was checked.");
                }
                else
                {
                    _block.Emit(new ToolCallPermissionChecked(call, ToolPermissionCheckpoint.Dispatch, decision) { Turn = call.Turn });
                    if (decision.Allowed)
                    {
                        state.Status = CallStatus.Waiting;
                        Ready(state);
                    }
                    else
                    {
                        string why = decision.Reason ?? "no reason given";
                        Fail(
                            state,
                            ToolCallFailureKind.PermissionDenied,
                            $"The call to '{call.Name}' was not permitted by {decision.Policy}: {why}.",
                            $"Error: permission to call '{call.Name}' was denied ({why}). Do not call it again unless permission is granted.");
                    }
                }

                Invoker.FlushBatches();
            }
        }

        InlineCalls.RunPending();
    }

    // Under the lock, from Advance: the call is free to run once its policy allows it. The check gets a token of its
    // own, which cancelling the call fires (Fail retires it, as an approver's).
    private void CheckPermission(CallState state, IToolPermissionPolicy policy)
    {
        state.Status = CallStatus.CheckingPermission;
        CallRun run = state.Run!;
        run.Cancellation?.Dispose();
        run.Cancellation = CancellationTokenSource.CreateLinkedTokenSource(_cancellationToken);
        InlineCalls.Run(new PermissionCheck(this, state, state.Call, policy, run.Cancellation, run.Context), underLock: true);
    }

    // Under the lock: a running call's tool returned; with a policy, its answer about the result decides whether the
    // result completes the call or is quarantined. A result whose call ended meanwhile is stale.
    private void AcceptResult(CallState state, object? result, PermissionAnswer? answer)
    {
        if (answer?.Diagnostic is { } diagnostic)
        {
            _block.Emit(diagnostic);
        }

        ToolCall call = state.Call;
        if (state.Status != CallStatus.Running)
        {
            _block.Emit(new ToolResultDiscarded(call, result) { Turn = call.Turn });
            return;
        }

        if (answer is not { } checkedAnswer)
        {
            Complete(state, result);
            return;
        }

        if (checkedAnswer.Decision is not { } decision)
        {
            // The run's token fired while the result was checked: a result without a decision is never used.
            Fail(state, ToolCallFailureKind.Cancelled, $"The call to '{call.Name}' was cancelled while its result was checked.");
            _block.Emit(new ToolResultDiscarded(call, result) { Turn = call.Turn });
            return;
        }

        _block.Emit(new ToolCallPermissionChecked(call, ToolPermissionCheckpoint.Result, decision) { Turn = call.Turn });
        if (decision.Allowed)
        {
            Complete(state, result);
            return;
        }

        // The result goes to the event (and the ledger), never to the call's outcome: the model, the history, futures,
        // references and dependents see only that it was withheld.
        _block.Emit(new ToolResultQuarantined(call, result, decision) { Turn = call.Turn });
        string why = decision.Reason ?? "no reason given";
        Fail(
            state,
            ToolCallFailureKind.Quarantined,
            $"The result of '{call.Name}' was quarantined: {decision.Policy} revoked its permission while it ran ({why}).",
            $"Error: the result of '{call.Name}' was withheld because permission to use it was revoked while the call ran ({why}).");
    }
}
