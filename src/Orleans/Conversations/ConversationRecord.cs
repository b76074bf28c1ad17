namespace ToolFlow.Orleans;

/// <summary>
/// A conversation as its grain stores it. JSON for the transcript and the folded state keeps the record readable by
/// any storage serializer; the run fields say which run a stored <c>running</c> state belongs to, so an activation
/// after a lost node knows what to resume.
/// </summary>
[GenerateSerializer]
internal sealed class ConversationRecord
{
    [Id(0)]
    public string Owner { get; set; } = string.Empty;

    [Id(1)]
    public Dictionary<string, string> Settings { get; set; } = new(StringComparer.Ordinal);

    [Id(2)]
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>The transcript the next user message continues, as a JSON array of <c>ChatMessage</c>.</summary>
    [Id(3)]
    public string MessagesJson { get; set; } = "[]";

    /// <summary>The folded state (<c>ToolPipelineChatSnapshot</c>) as the routes' JSON; its id is the last event id.</summary>
    [Id(4)]
    public string SnapshotJson { get; set; } = string.Empty;

    /// <summary>The ledger run id of the run started last.</summary>
    [Id(5)]
    public string? RunId { get; set; }

    /// <summary>The first model turn of that run.</summary>
    [Id(6)]
    public int RunFirstTurn { get; set; }
}
