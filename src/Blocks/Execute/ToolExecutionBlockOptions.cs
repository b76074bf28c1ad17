using System.Threading.Tasks.Dataflow;

namespace ToolFlow.Blocks;

/// <summary>Options of <see cref="ToolExecutionBlock"/>.</summary>
public sealed class ToolExecutionBlockOptions : ToolBlockOptions
{
    /// <summary>
    /// The most tool bodies of this block (one conversation) running at once; <see cref="DataflowBlockOptions.Unbounded"/>
    /// (-1) for no limit. Default 16.
    /// </summary>
    /// <remarks>
    /// At most this many tool bodies of the conversation are running at any instant, counting bodies that ignore
    /// cancellation: a call that timed out or was cancelled has its outcome at once, but its slot is given back only
    /// when its tool's task returns, so a call may wait longer for a slot because of them (see
    /// <see cref="OverrunGracePeriod"/>).
    /// </remarks>
    public int MaxConcurrency { get; set => field = OptionsValidation.CapOrUnbounded(value); } = 16;

    /// <summary>When a complete call may start. Default <see cref="ToolDispatchTiming.OnCallClosed"/>.</summary>
    public ToolDispatchTiming DispatchTiming { get; set => field = OptionsValidation.Defined(value); }

    /// <summary>
    /// Whether the model sees a throwing tool's exception message. Default <see langword="false"/>: the model sees
    /// that the tool failed, and the exception goes only to the <see cref="ToolCallFailed"/> event, as with
    /// <c>FunctionInvokingChatClient.IncludeDetailedErrors</c>.
    /// </summary>
    public bool IncludeDetailedErrors { get; set; }

    /// <summary>
    /// The executor shared with other conversations, which holds the global and per-tool caps and takes
    /// conversations in turn. Default: a new executor for this block alone, with no global cap.
    /// </summary>
    public ToolExecutor? Executor { get; set; }

    /// <summary>How arguments may refer to other calls' results. Default <see cref="ToolReferenceSyntax.Futures"/>.</summary>
    public ToolReferenceSyntax ReferenceSyntax { get; set; } = ToolReferenceSyntax.Futures;

    /// <summary>
    /// Whether an identical call (same tool, same canonical arguments) to a read-only or idempotent tool runs once per
    /// conversation, every caller getting its result. Default <see langword="true"/>.
    /// </summary>
    public bool DeduplicateCalls { get; set; } = true;

    /// <summary>
    /// Decides calls to tools that need approval; without one (and without <see cref="ExternalApproval"/>), such calls
    /// are rejected.
    /// </summary>
    public ToolApprovalHandler? ApprovalHandler { get; set; }

    /// <summary>
    /// Whether a call that needs approval waits for a decision given from outside, at any later time and from any
    /// thread (<see cref="ToolExecutionBlock.Approve"/> and <see cref="ToolExecutionBlock.Deny"/>, or a pipeline run's
    /// handle), alongside the <see cref="ApprovalHandler"/> if one is set: the first decision wins. Default
    /// <see langword="false"/>. A call waiting for a decision holds its turn until it gets one or is cancelled.
    /// </summary>
    public bool ExternalApproval { get; set; }

    /// <summary>
    /// Asked about every call at dispatch and again when its result arrives (see <see cref="IToolPermissionPolicy"/>);
    /// a tool's own <see cref="ToolDescriptor.PermissionPolicy"/> takes its place for that tool. Default
    /// <see langword="null"/>: no checks, no <see cref="ToolCallPermissionChecked"/> events, nothing spent.
    /// </summary>
    /// <remarks>
    /// <para>
    /// At dispatch (once the call's dependencies, response and approval allow it to run, before it takes a slot): a
    /// refusal fails the call as <see cref="ToolCallFailureKind.PermissionDenied"/>, and its tool never runs. The check
    /// runs once per call, not per retry: a retry is the same dispatch.
    /// </para>
    /// <para>
    /// When a result arrives (successes only: a failure carries no data to withhold): a refusal quarantines the result
    /// (<see cref="ToolResultQuarantined"/>) and fails the call as <see cref="ToolCallFailureKind.Quarantined"/>, so the
    /// result reaches no conversation, future, reference or dependent. Calls answered by an identical earlier call
    /// share its result check.
    /// </para>
    /// <para>
    /// A policy that throws, or has not answered within <see cref="PermissionCheckTimeout"/>, is taken as a refusal
    /// (fail closed), with a <see cref="DiagnosticReported"/> coded <c>permission-check-failed</c> or
    /// <c>permission-check-timed-out</c>. The check gets the call's token: cancelling the call cancels it, and a
    /// decision that comes after its call ended is dropped (no event). Every other check raises
    /// <see cref="ToolCallPermissionChecked"/>. The dispatch check runs in the execution context the call closed in,
    /// never under the block's lock.
    /// </para>
    /// </remarks>
    public IToolPermissionPolicy? PermissionPolicy { get; set; }

    /// <summary>
    /// How long, on <see cref="ToolBlockOptions.TimeProvider"/>, a permission check may take before it counts as a
    /// refusal; <see cref="Timeout.InfiniteTimeSpan"/> for no limit. Default 10 seconds; otherwise from 1 ms to
    /// <see cref="int.MaxValue"/> milliseconds.
    /// </summary>
    public TimeSpan PermissionCheckTimeout
    {
        get;
        set
        {
            if (value != Timeout.InfiniteTimeSpan)
            {
                ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.FromMilliseconds(1));
                ArgumentOutOfRangeException.ThrowIfGreaterThan(value, TimeSpan.FromMilliseconds(int.MaxValue));
            }

            field = value;
        }
    } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The least time, on <see cref="ToolBlockOptions.TimeProvider"/>, between two <see cref="ToolCallProgressed"/>
    /// events of one call. A call's first report is emitted at once; reports within the interval after an emitted one
    /// are held, the latest replacing the one before, and the held report goes out when the interval has passed, unless
    /// the call ended first (its outcome supersedes it). So a call running for <c>d</c> emits at most
    /// <c>1 + d / MinProgressInterval</c> progress events however often its tool reports. Default 100 ms;
    /// <see cref="TimeSpan.Zero"/> emits every report.
    /// </summary>
    public TimeSpan MinProgressInterval
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            field = value;
        }
    } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// How long, on <see cref="ToolBlockOptions.TimeProvider"/>, a tool body may go on after its call ended (timed out
    /// or cancelled) before it is reported as overrunning: <see cref="ToolCallBodyOverran"/>, then
    /// <see cref="ToolCallBodyReturned"/> if it returns while the block still runs, and
    /// <see cref="ToolExecutor.OverrunningBodies"/>. Such a body keeps its slot until it returns; its result is never
    /// merged. The block's completion waits for a body at most this long after its call ended. Default 5 seconds;
    /// from <see cref="TimeSpan.Zero"/> to <see cref="int.MaxValue"/> milliseconds.
    /// </summary>
    public TimeSpan OverrunGracePeriod
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, TimeSpan.FromMilliseconds(int.MaxValue));
            field = value;
        }
    } = TimeSpan.FromSeconds(5);

    /// <summary>The policy that checks calls to <paramref name="tool"/>: its own, else the block's; none for the pipeline's own tools.</summary>
    internal IToolPermissionPolicy? PolicyFor(ToolDescriptor tool) => tool.PolicyExempt ? null : tool.PermissionPolicy ?? PermissionPolicy;

    /// <summary>The pipeline's ledger hook (a resumed run's replays, write-ahead, attempts); <see langword="null"/> for none.</summary>
    internal IToolCallHook? CallHook { get; set; }

    /// <summary>What built the block (a pipeline's run), which a running call's tool finds through <see cref="RunningCall.Owner"/>; <see langword="null"/> for none.</summary>
    internal object? Owner { get; set; }

    internal ToolExecutionBlockOptions Clone() => Snapshot<ToolExecutionBlockOptions>();
}
