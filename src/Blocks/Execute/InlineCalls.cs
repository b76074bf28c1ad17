namespace ToolFlow.Blocks;

/// <summary>
/// The synchronous fast path (<see cref="ToolDescriptor.CompletesSynchronously"/>): started calls of such tools run on
/// the thread that starts them, one after another, instead of each being queued to the block's scheduler.
/// </summary>
/// <remarks>
/// <para>
/// The same queue carries the permission checks a gate step starts (<see cref="PermissionCheck"/>): a policy is the
/// user's code, which must not run under the lock either.
/// </para>
/// <para>
/// A call never runs where its gate's lock is held: a tool's body must not run under it, and the call's end gives its
/// slot back, which may start another conversation's call and take that block's lock. Nor does it run inside another
/// inline call: the slot one call frees starts the next, and that chain would otherwise nest as deep as the queue. It
/// waits in this thread's queue instead, for the gate step (<see cref="RunPending"/> after the lock) or the inline run
/// under way to end. The queue is per thread, so it needs no lock.
/// </para>
/// </remarks>
internal static class InlineCalls
{
    [ThreadStatic]
    private static Queue<IThreadPoolWorkItem>? t_pending;

    [ThreadStatic]
    private static bool t_running;

    /// <summary>Runs a started call (or a permission check) here, now, or once the lock or inline run that holds this thread ends.</summary>
    /// <param name="run">The call, already started (its slot taken, <see cref="ToolCallStarted"/> emitted), or a check.</param>
    /// <param name="underLock">Whether this thread holds the call's gate lock.</param>
    public static void Run(IThreadPoolWorkItem run, bool underLock)
    {
        (t_pending ??= new Queue<IThreadPoolWorkItem>()).Enqueue(run);
        if (!underLock)
        {
            RunPending();
        }
    }

    /// <summary>Runs the calls waiting on this thread, unless an inline run is under way here (it runs them).</summary>
    /// <remarks>Called by the gate after every step that may start calls, once its lock is released.</remarks>
    public static void RunPending()
    {
        if (t_running || t_pending is not { Count: > 0 } pending)
        {
            return;
        }

        t_running = true;
        try
        {
            while (pending.TryDequeue(out IThreadPoolWorkItem? run))
            {
                // Runs the tool in its call's execution context; a tool that does not complete synchronously goes on
                // asynchronously from its first await, and this loop moves to the next call.
                run.Execute();
            }
        }
        finally
        {
            t_running = false;
        }
    }
}
