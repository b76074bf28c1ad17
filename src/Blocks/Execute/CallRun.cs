namespace ToolFlow.Blocks;

/// <summary>
/// A call's in-flight state, from close until it ends: its own executor work and thread-pool work item (nothing else
/// to allocate to queue or start it), its token, the execution context its tool runs in, its progress and its
/// attempt. Its <see cref="CallState"/> lets go of it when the call ends; a tool task still running holds it until the
/// task ends. Fields the gate reads are guarded by the gate's lock.
/// </summary>
internal sealed class CallRun(CallInvoker invoker, CallState state) : ExecutorWork, IThreadPoolWorkItem, IResilienceObserver
{
    // The invoker, not the gate: what runs on the call's own (executor, thread pool, Polly) is the invoker's.
    public CallInvoker Invoker { get; } = invoker;

    public CallState State { get; } = state;

    public CancellationTokenSource? Cancellation { get; set; }

    /// <summary>What the executor queues for it: the call itself, or the batch it is in.</summary>
    public ExecutorWork? Work { get; set; }

    public bool InBatch { get; set; }

    /// <summary>When the call started running or following; the gate reads it, under its lock, before the call ends.</summary>
    public long StartedAt { get; set; }

    /// <summary>
    /// Whether the call gave its slot back while rate limited and never took one again (cancelled while queued): its
    /// task must not give back a slot it does not hold. Written only by the call's own flow.
    /// </summary>
    public bool HoldsNoSlot { get; set; }

    /// <summary>
    /// The body of an attempt that timed out and has not returned yet (a task that never faults), which still holds
    /// the call's slot. Read and written only by the call's own flow (attempts run one after another), and by the gate
    /// under its lock once that flow has reported the timeout.
    /// </summary>
    public Task? Abandoned { get; set; }

    /// <summary>The execution context the call closed in, which its tool runs in.</summary>
    public ExecutionContext? Context { get; set; }

    /// <summary>Its progress reporter and throttle; <see langword="null"/> until its tool asks for a reporter.</summary>
    public ProgressThrottle? Progress { get; set; }

    /// <summary>
    /// The attempt running (1 for the first), or minus the last one once it has ended; 0 before the first. Written only
    /// by the attempt's own flow (attempts run one after another), read from any thread.
    /// </summary>
    public int Attempt => Volatile.Read(ref _attempt);

    private int _attempt;

    /// <summary>Marks the next attempt as running and returns its number.</summary>
    public int BeginAttempt()
    {
        int attempt = Math.Abs(_attempt) + 1;
        Volatile.Write(ref _attempt, attempt);
        return attempt;
    }

    /// <summary>Marks the running attempt as ended: its reporter drops what it is given from now on.</summary>
    public void EndAttempt() => Volatile.Write(ref _attempt, -Math.Abs(_attempt));

    public override void Start() => Invoker.StartCall(this);

    void IThreadPoolWorkItem.Execute()
    {
        if (Context is { } context)
        {
            ExecutionContext.Run(context, static s => ((CallRun)s!).Execute(), this);
        }
        else
        {
            Execute();
        }
    }

    private void Execute()
    {
        Context = null;
        _ = Invoker.RunAsync(this);
    }

    public void OnRetry(int attempt, TimeSpan delay, Exception? error) => Invoker.Gate.OnRetry(State, attempt, delay, error);
}
