using System.Text.Json.Serialization;

namespace ToolFlow.AspNetCore;

/// <summary>
/// A conversation's state folded from its events: what <c>GET /conversations/{id}</c> answers and what the
/// <c>snapshot</c> event carries. <see cref="Id"/> is the id of the last event folded into it.
/// </summary>
/// <param name="Id">The last event id folded in; 0 if none.</param>
/// <param name="ConversationId">The conversation.</param>
/// <param name="CreatedAt">When the conversation was created.</param>
/// <param name="Running">Whether a turn is running.</param>
/// <param name="Messages">User and assistant messages in order.</param>
/// <param name="Calls">Every tool call, in the order they were detected.</param>
/// <param name="Turns">Every model turn, in order.</param>
public sealed record ToolPipelineChatSnapshot(
    long Id,
    string ConversationId,
    DateTimeOffset CreatedAt,
    bool Running,
    IReadOnlyList<ToolPipelineChatMessage> Messages,
    IReadOnlyList<ToolPipelineChatCall> Calls,
    IReadOnlyList<ToolPipelineChatTurn> Turns)
{
    /// <summary>The event type, <c>snapshot</c>, so the snapshot is read like every other event.</summary>
    [JsonPropertyOrder(-2)]
    public string Type => "snapshot";

    /// <summary>The last event id folded in; 0 if none.</summary>
    [JsonPropertyOrder(-1)]
    public long Id { get; init; } = Id;
}
