namespace ToolFlow.Orleans;

/// <summary>What a <see cref="ConversationStreamItem"/> is.</summary>
[GenerateSerializer]
public enum ConversationStreamItemKind
{
    /// <summary>An SSE event for the client.</summary>
    Event,

    /// <summary>First item: the stream opened.</summary>
    Opened,

    /// <summary>First and only item: the conversation serves its most streams already.</summary>
    Full,

    /// <summary>First and only item: the conversation does not exist (or is another owner's).</summary>
    NotFound,
}
