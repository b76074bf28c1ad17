namespace ToolFlow.Pipeline;

/// <summary>A run: one conversation's request to the pipeline, from the caller's messages to its answer.</summary>
/// <param name="RunId">Unique in the ledger.</param>
/// <param name="ConversationId">The conversation the run belongs to (several runs may share one).</param>
/// <param name="Mode">The pipeline mode, as <see cref="ToolPipelineMode"/>'s name.</param>
/// <param name="StartedAt">When the run first started.</param>
/// <param name="MessagesJson">The caller's messages the run started from, as a JSON array of <c>ChatMessage</c>.</param>
/// <param name="EndedAt">When it ended; <see langword="null"/> while running, or if it was interrupted.</param>
/// <param name="Completion">How it ended, as <see cref="RunCompletionReason"/>'s name; <see langword="null"/> until then.</param>
/// <param name="Resumes">How many times it was resumed after an interruption.</param>
public sealed record LedgerRunRecord(
    string RunId,
    string ConversationId,
    string Mode,
    DateTimeOffset StartedAt,
    string MessagesJson,
    DateTimeOffset? EndedAt = null,
    string? Completion = null,
    int Resumes = 0);
