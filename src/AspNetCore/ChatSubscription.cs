using System.Net.ServerSentEvents;

namespace ToolFlow.AspNetCore;

/// <summary>A new subscriber and what it gets first: the replay after its Last-Event-ID, or a snapshot.</summary>
internal sealed record ChatSubscription(ChatSubscriber Subscriber, IReadOnlyList<SseItem<string>>? Replay, ToolPipelineChatSnapshot? Snapshot);
