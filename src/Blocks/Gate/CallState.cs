using System.Text.Json;

namespace ToolFlow.Blocks;

/// <summary>
/// A call's progress through the gate and the invoker: one entry of the <see cref="CallGate"/>'s table. Guarded by the
/// gate's lock. It is its own executor work and its own thread-pool work item, and holds collections only once it
/// needs them: a call costs a few objects, not a dozen.
/// </summary>
internal sealed class CallState(CallInvoker invoker, ToolCall call) : ExecutorWork, IThreadPoolWorkItem, IResilienceObserver
{
    // The invoker, not the gate: what runs on the call's own (executor, thread pool, Polly) is the invoker's.
    public CallInvoker Invoker { get; } = invoker;

    public ToolCall Call { get; set; } = call;

    public CallStatus Status { get; set; }

    public bool WaitsForResponse { get; set; }

    public bool Approved { get; set; }

    /// <summary>Whether an approver denied it (so a later decision is reported as too late).</summary>
    public bool Denied { get; set; }

    public ToolCallWaitReason? ReportedWait { get; set; }

    public IReadOnlyList<ToolReference> References { get; set; } = [];

    /// <summary>The calls it still waits for; <see langword="null"/> until it waits for one.</summary>
    public HashSet<CallState>? WaitingOn { get; set; }

    /// <summary>The call each reference is bound to: (is a future, target).</summary>
    public Dictionary<(bool Future, string Target), CallState>? Targets { get; set; }

    public List<CallState>? Dependents { get; set; }

    public CancellationTokenSource? Cancellation { get; set; }

    /// <summary>What the executor queues for it: the call itself, or the batch it is in.</summary>
    public ExecutorWork? Work { get; set; }

    /// <summary>The execution context the call closed in, which its tool runs in.</summary>
    public ExecutionContext? Context { get; set; }

    public long StartedAt { get; set; }

    /// <summary>
    /// The body of an attempt that timed out and has not returned yet (a task that never faults), which still holds
    /// the call's slot. Read and written only by the call's own flow (attempts run one after another).
    /// </summary>
    public Task? Abandoned { get; set; }

    /// <summary>Its progress reporter and throttle; <see langword="null"/> until its tool asks for a reporter.</summary>
    public ProgressThrottle? Progress { get; set; }

    /// <summary>
    /// The attempt running (1 for the first), or minus the last one once it has ended; 0 before the first. Written only
    /// by the attempt's own flow (attempts run one after another), read from any thread.
    /// </summary>
    public int Attempt => Volatile.Read(ref _attempt);

    private int _attempt;

    /// <summary>The result as references read it, converted the first time a reference reads it.</summary>
    public JsonElement? ResultJson => Status == CallStatus.Completed ? _resultJson ??= ToolCallReferences.ToJson(Result) : null;

    private JsonElement? _resultJson;

    public object? Result { get; set; }

    public ulong? ArgumentsHash { get; set; }

    public bool InBatch { get; set; }

    public List<CallState>? Followers { get; set; }

    public ToolCallFailureKind? FailureKind { get; set; }

    public string? FailureMessage { get; set; }

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
        _ = Invoker.RunAsync(this);
    }

    public void OnRetry(int attempt, TimeSpan delay, Exception? error) => Invoker.Gate.OnRetry(this, attempt, delay, error);
}
