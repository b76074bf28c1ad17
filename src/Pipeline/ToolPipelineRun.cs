using System.Runtime.CompilerServices;
using ToolFlow.Blocks;

namespace ToolFlow.Pipeline;

/// <summary>
/// A running conversation, from <see cref="ToolPipeline.Start(IEnumerable{Microsoft.Extensions.AI.ChatMessage}, CancellationToken)"/>: its events, and control of it while they stream.
/// Every control member may be called from any thread, at any time, during the run or after it, and answers with a
/// <see cref="ToolControlResult"/>: <see cref="ToolControlResult.Applied"/> when it changed something, otherwise why
/// not (an unknown call, a call already ended, a decision already taken, ...), never an exception for those.
/// </summary>
/// <remarks>
/// <para>
/// Cancelling a call stops it (a running tool's token fires; a late result is stale, <see cref="ToolResultDiscarded"/>)
/// and the calls waiting for its result; cancelling a branch also cancels the calls that depend on the call even if
/// the call itself has ended. Calls are named by their <see cref="ToolCall.CallId"/> (the id in
/// <see cref="ToolCallDetected"/> and every later event of the call).
/// </para>
/// <para>
/// <see cref="CancelTurn"/> ends the conversation cleanly with what it has: the model's stream under way stops where
/// it is (as if it had ended there), every call under way and every call still to close is cancelled, no further
/// turn starts, and the last event is <see cref="RunCompleted"/> with <see cref="RunCompletionReason.TurnCancelled"/>
/// and the conversation so far. In await mode that is the current response and its calls; in futures mode also the
/// calls of earlier turns still running as futures, so the conversation holds no unresolved placeholder; in plan mode
/// the plan or join under way and every step still to run (no join or replan follows).
/// </para>
/// <para>
/// A call to a tool that needs approval (<see cref="ToolDescriptor.RequiresApproval"/>) offers
/// <see cref="ToolCallApprovalRequested"/> and waits. With <see cref="ToolPipelineBuilder.WithExternalApproval"/> it
/// waits for <see cref="Approve"/> or <see cref="Deny"/> on this handle, from a UI that may answer much later; with a
/// <see cref="ToolExecutionBlockOptions.ApprovalHandler"/> as well, the first decision wins.
/// </para>
/// <para>
/// Disposing the handle cancels the run if it is still going (its model request and its tools), like the token given
/// to <see cref="ToolPipeline.Start(IEnumerable{Microsoft.Extensions.AI.ChatMessage}, CancellationToken)"/>, and returns at once: it never waits for a tool body. A body that ignores its
/// token keeps its executor slot until it returns (see <see cref="ToolExecutor.OverrunningBodies"/>).
/// </para>
/// </remarks>
public sealed class ToolPipelineRun : IAsyncDisposable
{
    private readonly PipelineRun _run;
    private readonly CancellationTokenSource _cancellation;
    private int _reading;
    private int _disposed;

    internal ToolPipelineRun(PipelineRun run, CancellationTokenSource cancellation)
    {
        _run = run;
        _cancellation = cancellation;
        Events = ReadEventsAsync();
    }

    /// <summary>
    /// The run's events, in the order they happened, ending with <see cref="RunCompleted"/>, as
    /// <see cref="ToolPipeline.RunAsync"/> gives them. One reader: a second enumeration throws
    /// <see cref="InvalidOperationException"/>. Events wait for a reader that has not started (or is slow) without
    /// holding up the run. Cancelling the enumeration's token stops reading, not the run. For an
    /// <see cref="IObservable{T}"/>, System.Reactive's <c>ToObservable()</c> reads it.
    /// </summary>
    public IAsyncEnumerable<ToolPipelineEvent> Events { get; }

    /// <summary>
    /// The run's id: the one given in <see cref="ToolPipelineRunOptions.RunId"/>, or a new one. A pipeline with a ledger
    /// records the run under it, and <see cref="ToolPipeline.ResumeAsync"/> takes it.
    /// </summary>
    public string RunId => _run.Context.RunId;

    /// <summary>Completes with the run's last event once the run has ended; cancelled or faulted as the run is.</summary>
    public Task<RunCompleted> Completion => _run.Completion;

    /// <summary>Cancels one call and the calls waiting for its result.</summary>
    /// <param name="callId">The call.</param>
    /// <returns><see cref="ToolControlResult.Applied"/>; <see cref="ToolControlResult.UnknownCall"/>; or <see cref="ToolControlResult.CallEnded"/>, and nothing changed.</returns>
    public ToolControlResult CancelCall(string callId)
    {
        ArgumentNullException.ThrowIfNull(callId);
        return _run.Gate.CancelCall(callId);
    }

    /// <summary>Cancels a call and every call that depends on it, directly or not, even if the call itself has ended.</summary>
    /// <param name="callId">The root of the branch.</param>
    /// <returns>
    /// <see cref="ToolControlResult.Applied"/> if any call of the branch was cancelled; <see cref="ToolControlResult.UnknownCall"/>;
    /// or <see cref="ToolControlResult.CallEnded"/> when every call of the branch had ended, and nothing changed.
    /// </returns>
    public ToolControlResult CancelBranch(string callId) => CancelBranch(callId, out _);

    /// <summary>Cancels a call and every call that depends on it, and says how many calls that stopped.</summary>
    /// <param name="callId">The root of the branch.</param>
    /// <param name="cancelled">How many calls of the branch were still under way and are now cancelled.</param>
    /// <returns>As for <see cref="CancelBranch(string)"/>.</returns>
    public ToolControlResult CancelBranch(string callId, out int cancelled)
    {
        ArgumentNullException.ThrowIfNull(callId);
        int count = _run.Gate.CancelBranch(callId);
        cancelled = Math.Max(0, count);
        return count switch
        {
            < 0 => ToolControlResult.UnknownCall,
            0 => ToolControlResult.CallEnded,
            _ => ToolControlResult.Applied,
        };
    }

    /// <summary>Cancels the turn and ends the conversation cleanly with what it has (see the remarks for each mode).</summary>
    /// <returns>
    /// <see cref="ToolControlResult.Applied"/>; <see cref="ToolControlResult.AlreadyCancelled"/>; or
    /// <see cref="ToolControlResult.RunEnded"/> when the run has ended or is ending with its answer.
    /// </returns>
    public ToolControlResult CancelTurn() => _run.CancelTurn();

    /// <summary>Approves a call waiting for approval: it moves on at once.</summary>
    /// <param name="callId">The call.</param>
    /// <returns>
    /// <see cref="ToolControlResult.Applied"/>, or, with nothing changed: <see cref="ToolControlResult.UnknownCall"/>,
    /// <see cref="ToolControlResult.AlreadyApproved"/>, <see cref="ToolControlResult.AlreadyDenied"/>,
    /// <see cref="ToolControlResult.CallEnded"/> (cancelled before a decision) or
    /// <see cref="ToolControlResult.NotAwaitingApproval"/> (its tool needs none, or it has not asked yet).
    /// </returns>
    public ToolControlResult Approve(string callId)
    {
        ArgumentNullException.ThrowIfNull(callId);
        return _run.Gate.Decide(callId, approved: true, reason: null);
    }

    /// <summary>Denies a call waiting for approval: it fails as <see cref="ToolCallFailureKind.Rejected"/>, and so do the calls that depend on it.</summary>
    /// <param name="callId">The call.</param>
    /// <param name="reason">Why, added to what the model and the caller are told; <see langword="null"/> for nothing.</param>
    /// <returns>As for <see cref="Approve"/>.</returns>
    public ToolControlResult Deny(string callId, string? reason = null)
    {
        ArgumentNullException.ThrowIfNull(callId);
        return _run.Gate.Decide(callId, approved: false, reason);
    }

    /// <summary>Cancels the whole run if it is still going: its model request and its tool calls, without a clean end.</summary>
    public void Cancel()
    {
        if (Volatile.Read(ref _disposed) == 0)
        {
            try
            {
                _cancellation.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // Disposed meanwhile, which cancelled it.
            }
        }
    }

    /// <summary>Cancels the run if it is still going and lets go of the caller's token.</summary>
    /// <returns>A task that has completed.</returns>
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            // Cancelled here, not on the pool, so the model and the tools have been told by the time this returns.
            _cancellation.Cancel();
            _cancellation.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    private async IAsyncEnumerable<ToolPipelineEvent> ReadEventsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _reading, 1) != 0)
        {
            throw new InvalidOperationException("A run's events have one reader; they are being read already.");
        }

        await foreach (ToolPipelineEvent @event in _run.Events.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return @event;
        }
    }
}
