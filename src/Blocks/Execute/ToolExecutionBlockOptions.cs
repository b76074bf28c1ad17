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

    /// <summary>The pipeline's ledger hook (a resumed run's replays, write-ahead, attempts); <see langword="null"/> for none.</summary>
    internal IToolCallHook? CallHook { get; set; }

    internal ToolExecutionBlockOptions Clone() => Snapshot<ToolExecutionBlockOptions>();
}
