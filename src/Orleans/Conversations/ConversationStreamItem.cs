namespace ToolFlow.Orleans;

/// <summary>An item of <see cref="IConversationGrain.EventsAsync"/>: an SSE event as the chat routes send it, or what opening the stream did.</summary>
/// <param name="Kind">An event, or what opening the stream did.</param>
/// <param name="EventType">The SSE event type (<c>snapshot</c>, <c>textDelta</c>, ...).</param>
/// <param name="Data">The event's JSON.</param>
/// <param name="EventId">The event's id.</param>
[GenerateSerializer]
[Immutable]
public sealed record ConversationStreamItem(
    [property: Id(0)] ConversationStreamItemKind Kind,
    [property: Id(1)] string? EventType = null,
    [property: Id(2)] string? Data = null,
    [property: Id(3)] string? EventId = null);
