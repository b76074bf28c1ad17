using ToolFlow.Blocks;

namespace ToolFlow.Pipeline;

/// <summary>
/// A call's ledger entry while its run records it: changed in place as its events arrive, and made into a
/// <see cref="ToolCallLedgerEntry"/> only when the writer takes it for a batch, so a call costs one record per batch
/// rather than one per change. Guarded by the recorder's lock.
/// </summary>
internal sealed class CallDraft
{
    public CallDraft(ToolCallLedgerEntry entry)
    {
        Entry = entry;
        Attempts = [.. entry.Attempts];
    }

    /// <summary>The fields that are set once (run, call, tool, arguments) and the last snapshot.</summary>
    public ToolCallLedgerEntry Entry { get; set; }

    public List<ToolCallAttemptRecord> Attempts { get; }

    public string? IdempotencyKey { get; set; }

    public DateTimeOffset? DetectedAt { get; set; }

    public DateTimeOffset? ClosedAt { get; set; }

    public DateTimeOffset? DispatchedAt { get; set; }

    public DateTimeOffset? CompletedAt { get; set; }

    public DateTimeOffset? MergedAt { get; set; }

    public ToolCallLedgerOutcome Outcome { get; set; }

    public ToolCallFailureKind? FailureKind { get; set; }

    public string? ResultJson { get; set; }

    public string? QuarantinedResultJson { get; set; }

    public ToolPermissionDecision? PermissionAtDispatch { get; set; }

    public ToolPermissionDecision? PermissionAtResult { get; set; }

    public int? ConsumedByTurn { get; set; }

    /// <summary>Whether a resume took its outcome from the ledger: then only its merge and consumption may change.</summary>
    public bool Replayed { get; set; }

    /// <summary>Whether it changed since the writer last took it (it is then in the writer's queue).</summary>
    public bool Dirty { get; set; }

    public string CallId => Entry.CallId;

    /// <summary>Starts a draft from a recorded entry, every field as recorded.</summary>
    public static CallDraft From(ToolCallLedgerEntry entry) => new(entry)
    {
        IdempotencyKey = entry.IdempotencyKey,
        DetectedAt = entry.DetectedAt,
        ClosedAt = entry.ClosedAt,
        DispatchedAt = entry.DispatchedAt,
        CompletedAt = entry.CompletedAt,
        MergedAt = entry.MergedAt,
        Outcome = entry.Outcome,
        FailureKind = entry.FailureKind,
        ResultJson = entry.ResultJson,
        QuarantinedResultJson = entry.QuarantinedResultJson,
        PermissionAtDispatch = entry.PermissionAtDispatch,
        PermissionAtResult = entry.PermissionAtResult,
        ConsumedByTurn = entry.ConsumedByTurn,
        Replayed = entry.Replayed,
    };

    /// <summary>The entry as it stands.</summary>
    public ToolCallLedgerEntry ToEntry() => Entry = Entry with
    {
        IdempotencyKey = IdempotencyKey,
        DetectedAt = DetectedAt,
        ClosedAt = ClosedAt,
        DispatchedAt = DispatchedAt,
        Attempts = [.. Attempts],
        CompletedAt = CompletedAt,
        MergedAt = MergedAt,
        Outcome = Outcome,
        FailureKind = FailureKind,
        ResultJson = ResultJson,
        QuarantinedResultJson = QuarantinedResultJson,
        PermissionAtDispatch = PermissionAtDispatch,
        PermissionAtResult = PermissionAtResult,
        ConsumedByTurn = ConsumedByTurn,
        Replayed = Replayed,
    };
}
