using ToolFlow.Blocks;

namespace ToolFlow.Pipeline;

/// <summary>Everything the ledger knows about one call: its provenance, its timings, its outcome and who used its result.</summary>
/// <param name="RunId">The run.</param>
/// <param name="ConversationId">The conversation.</param>
/// <param name="CallId">The call's id (the correlation id of every event of the call).</param>
/// <param name="Turn">The turn whose response issued it.</param>
/// <param name="Index">Its position in that response.</param>
/// <param name="Tool">The tool's name.</param>
/// <param name="ArgumentsJson">The arguments in canonical JSON (keys sorted, no insignificant space).</param>
/// <param name="Effects">What the tool declares running it does.</param>
public sealed record ToolCallLedgerEntry(
    string RunId,
    string ConversationId,
    string CallId,
    int Turn,
    int Index,
    string Tool,
    string ArgumentsJson,
    ToolEffects Effects)
{
    /// <summary>The key a side-effecting call carries so that a tool honouring keys runs it at most once, across resumes.</summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>When the parser first saw the call.</summary>
    public DateTimeOffset? DetectedAt { get; init; }

    /// <summary>When its arguments were complete.</summary>
    public DateTimeOffset? ClosedAt { get; init; }

    /// <summary>When the executor let it start (after dependencies, approval, timing and the dispatch permission check).</summary>
    public DateTimeOffset? DispatchedAt { get; init; }

    /// <summary>Each attempt of its tool body, in order.</summary>
    public IReadOnlyList<ToolCallAttemptRecord> Attempts { get; init; } = [];

    /// <summary>When it ended, with a result or a failure.</summary>
    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>When its result (or failure message) entered the conversation; <see langword="null"/> if it never did.</summary>
    public DateTimeOffset? MergedAt { get; init; }

    /// <summary>How it ended.</summary>
    public ToolCallLedgerOutcome Outcome { get; init; }

    /// <summary>Why it failed, when <see cref="Outcome"/> is <see cref="ToolCallLedgerOutcome.Failed"/>.</summary>
    public ToolCallFailureKind? FailureKind { get; init; }

    /// <summary>The result as JSON (the full result, before any trimming), or the failure as the model was told it.</summary>
    public string? ResultJson { get; init; }

    /// <summary>
    /// What the tool returned, as JSON, when a permission revoked while it ran quarantined the result
    /// (<see cref="ToolResultQuarantined"/>): kept here, never merged; <see cref="ResultJson"/> holds what the model was told.
    /// </summary>
    public string? QuarantinedResultJson { get; init; }

    /// <summary>The permission decision at dispatch; <see langword="null"/> without a policy.</summary>
    public ToolPermissionDecision? PermissionAtDispatch { get; init; }

    /// <summary>The permission decision when the result arrived; <see langword="null"/> without a policy.</summary>
    public ToolPermissionDecision? PermissionAtResult { get; init; }

    /// <summary>The turn whose model request first carried this call's result; <see langword="null"/> if none did.</summary>
    public int? ConsumedByTurn { get; init; }

    /// <summary>
    /// Whether a resumed run took this outcome from the ledger instead of running the tool again (the count of body
    /// executions is <see cref="Attempts"/>' length).
    /// </summary>
    public bool Replayed { get; init; }
}
