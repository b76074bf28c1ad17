namespace ToolFlow.Pipeline;

/// <summary>A model turn of a run.</summary>
/// <param name="RunId">The run.</param>
/// <param name="Turn">The turn's number, from 1.</param>
/// <param name="StartedAt">When its model request was sent.</param>
/// <param name="EndedAt">When its response and its results were complete; <see langword="null"/> until then.</param>
/// <param name="MessagesJson">
/// What the turn added to the conversation (the model's messages and the tool results), as a JSON array of
/// <c>ChatMessage</c>, once complete: a resumed run replays a completed turn from it instead of asking the model again.
/// </param>
public sealed record LedgerTurnRecord(
    string RunId,
    int Turn,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt = null,
    string? MessagesJson = null);
