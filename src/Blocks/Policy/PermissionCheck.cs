using System.Globalization;

namespace ToolFlow.Blocks;

/// <summary>
/// A call's permission check at dispatch. The gate makes it under its lock and queues it on the thread's inline queue
/// (<see cref="InlineCalls"/>), which runs it once the lock is released: a policy is the user's code. It also holds the
/// one way both checkpoints ask a policy (<see cref="AskAsync"/>), which fails closed.
/// </summary>
internal sealed class PermissionCheck(CallGate gate, CallState state, ToolCall call, IToolPermissionPolicy policy, CancellationTokenSource source, ExecutionContext? context) : IThreadPoolWorkItem
{
    // The source's token, read under the lock that made it: the call may end, and retire the source, before this runs.
    private readonly CancellationToken _token = source.Token;

    // In the execution context the call closed in, as its tool runs (a policy may read the caller's async-locals).
    public void Execute()
    {
        if (context is null)
        {
            _ = RunAsync();
        }
        else
        {
            ExecutionContext.Run(context, static s => _ = ((PermissionCheck)s!).RunAsync(), this);
        }
    }

    private async Task RunAsync()
    {
        ToolExecutionBlockOptions options = gate.Options;
        PermissionAnswer answer = await AskAsync(policy, call, ToolPermissionCheckpoint.Dispatch, options.PermissionCheckTimeout, options.TimeProvider, source, _token).ConfigureAwait(false);
        gate.OnDispatchChecked(state, answer);
    }

    /// <summary>
    /// Asks <paramref name="policy"/> about <paramref name="call"/>. A policy that throws, answers nothing, or has not
    /// answered within <paramref name="timeout"/> of going asynchronous is taken as a refusal, with a diagnostic; one
    /// cancelled by <paramref name="cancellationToken"/> gives no decision.
    /// </summary>
    /// <param name="policy">The policy.</param>
    /// <param name="call">The call, as it runs.</param>
    /// <param name="checkpoint">Dispatch or result.</param>
    /// <param name="timeout">How long the policy may take once it goes asynchronous.</param>
    /// <param name="timeProvider">The block's clock.</param>
    /// <param name="source">The token's source, cancelled when the check times out (the policy's work is moot then).</param>
    /// <param name="cancellationToken">The call's token (read from <paramref name="source"/> while it was alive).</param>
    public static ValueTask<PermissionAnswer> AskAsync(
        IToolPermissionPolicy policy,
        ToolCall call,
        ToolPermissionCheckpoint checkpoint,
        TimeSpan timeout,
        TimeProvider timeProvider,
        CancellationTokenSource source,
        CancellationToken cancellationToken)
    {
        ValueTask<ToolPermissionDecision> pending;
        try
        {
            pending = policy.CheckAsync(call, checkpoint, cancellationToken);
        }
        catch (Exception e)
        {
            return ValueTask.FromResult(Failed(policy, call, checkpoint, e, cancellationToken));
        }

        // The common case, a policy that answers at once, costs no task and no timer.
        return pending.IsCompleted
            ? ValueTask.FromResult(Settle(policy, call, checkpoint, pending, cancellationToken))
            : WaitAsync(policy, call, checkpoint, pending.AsTask(), timeout, timeProvider, source, cancellationToken);
    }

    private static async ValueTask<PermissionAnswer> WaitAsync(
        IToolPermissionPolicy policy,
        ToolCall call,
        ToolPermissionCheckpoint checkpoint,
        Task<ToolPermissionDecision> pending,
        TimeSpan timeout,
        TimeProvider timeProvider,
        CancellationTokenSource source,
        CancellationToken cancellationToken)
    {
        if (timeout != Timeout.InfiniteTimeSpan)
        {
            // Raced, not only cancelled: a policy may ignore its token, and the refusal belongs at the instant the
            // timeout fell due.
            var timedOut = new TaskCompletionSource();
            using ITimer timer = timeProvider.CreateTimer(static s => ((TaskCompletionSource)s!).TrySetResult(), timedOut, timeout, Timeout.InfiniteTimeSpan);
            if (await Task.WhenAny(pending, timedOut.Task).ConfigureAwait(false) != pending)
            {
                _ = pending.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                try
                {
                    source.Cancel();
                }
                catch (ObjectDisposedException)
                {
                    // The call ended meanwhile and let go of its token: nothing left to tell.
                }

                string ms = timeout.TotalMilliseconds.ToString(CultureInfo.InvariantCulture);
                return Refused(
                    policy,
                    call,
                    "permission-check-timed-out",
                    $"The permission check of call {call.CallId} ({call.Name}) at {checkpoint} did not answer within {ms} ms; the call is taken as not permitted.",
                    $"the permission check did not answer within {ms} ms");
            }
        }

        try
        {
            return Settle(policy, call, checkpoint, await pending.ConfigureAwait(false), cancellationToken);
        }
        catch (Exception e)
        {
            return Failed(policy, call, checkpoint, e, cancellationToken);
        }
    }

    private static PermissionAnswer Settle(IToolPermissionPolicy policy, ToolCall call, ToolPermissionCheckpoint checkpoint, ValueTask<ToolPermissionDecision> completed, CancellationToken cancellationToken)
    {
        try
        {
            return Settle(policy, call, checkpoint, completed.Result, cancellationToken);
        }
        catch (Exception e)
        {
            return Failed(policy, call, checkpoint, e, cancellationToken);
        }
    }

    private static PermissionAnswer Settle(IToolPermissionPolicy policy, ToolCall call, ToolPermissionCheckpoint checkpoint, ToolPermissionDecision? decision, CancellationToken cancellationToken) =>
        decision is not null
            ? new PermissionAnswer(decision)
            : Failed(policy, call, checkpoint, new InvalidOperationException("The policy returned no decision."), cancellationToken);

    private static PermissionAnswer Failed(IToolPermissionPolicy policy, ToolCall call, ToolPermissionCheckpoint checkpoint, Exception exception, CancellationToken cancellationToken) =>
        exception is OperationCanceledException && cancellationToken.IsCancellationRequested
            ? default
            : Refused(
                policy,
                call,
                "permission-check-failed",
                $"The permission check of call {call.CallId} ({call.Name}) at {checkpoint} failed: {exception.Message} The call is taken as not permitted.",
                $"the permission check failed ({exception.GetType().Name})");

    private static PermissionAnswer Refused(IToolPermissionPolicy policy, ToolCall call, string code, string message, string reason) =>
        new(new ToolPermissionDecision(false, policy.GetType().Name, null, reason), new DiagnosticReported(code, message) { Turn = call.Turn });
}
