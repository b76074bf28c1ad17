namespace ToolFlow.Blocks;

/// <summary>Why a call ended without a result.</summary>
public enum ToolCallFailureKind
{
    /// <summary>The tool threw an exception.</summary>
    ToolException,

    /// <summary>No tool of that name is registered.</summary>
    UnknownTool,

    /// <summary>The arguments were not a valid JSON object.</summary>
    InvalidArguments,

    /// <summary>The call was cancelled before it finished: by the caller, or because a call it depends on was.</summary>
    Cancelled,

    /// <summary>A call whose result this one needs failed.</summary>
    DependencyFailed,

    /// <summary>An argument refers to a call that does not exist, or the references form a cycle.</summary>
    UnresolvedReference,

    /// <summary>A side-effecting call was never run because its response ended badly (length, content filter, error).</summary>
    Discarded,

    /// <summary>The call needed an approval and was denied, or no approver was configured.</summary>
    Rejected,

    /// <summary>An attempt ran past the tool's timeout (after any retries).</summary>
    TimedOut,

    /// <summary>The tool's circuit breaker is open after too many failures.</summary>
    CircuitOpen,

    /// <summary>A permission policy refused the call at dispatch (<see cref="ToolPermissionCheckpoint.Dispatch"/>); it never ran.</summary>
    PermissionDenied,

    /// <summary>
    /// The call ran, but its permission was revoked before its result arrived (<see cref="ToolPermissionCheckpoint.Result"/>):
    /// the result is quarantined (<see cref="ToolResultQuarantined"/>) and never merged into the conversation.
    /// </summary>
    Quarantined,

    /// <summary>
    /// A side-effecting call was under way when its run was interrupted, and its tool does not honour idempotency keys:
    /// whether it took effect is unknown, so it is not run again and the model is told so.
    /// </summary>
    OutcomeUnknown,

    /// <summary>
    /// A side-effecting call whose tool does not honour idempotency keys was not run: the ledger could not make its start
    /// durable in time (write-ahead), and running it unrecorded could make a resume run it twice.
    /// </summary>
    LedgerUnavailable,

    /// <summary>
    /// The tool's service rate limited the call (<see cref="ToolRateLimitedException"/>, HTTP 429 or 503), and it was not
    /// run again: its tool is not safe to repeat, its <see cref="ToolDescriptor.MaxRateLimitRetries"/> were spent, or the
    /// wait named was above <see cref="ToolRateLimitedException.MaxRetryAfter"/>.
    /// </summary>
    RateLimited,
}
