using Microsoft.AspNetCore.Http;
using ToolFlow.Pipeline;

namespace ToolFlow.AspNetCore;

/// <summary>
/// The conversations this app reaches: what the chat endpoints ask of them, wherever they live. The local host is
/// <see cref="ConversationHubs"/> (hubs in this process); ToolFlow.Orleans adds one whose conversations are grains.
/// Registered as a singleton; the endpoints resolve it from the request's services.
/// </summary>
internal interface IConversationHost
{
    /// <summary>The endpoints' options (owner, limits).</summary>
    ToolPipelineChatOptions Options { get; }

    /// <summary>Fires when this app begins to stop: its SSE streams end then.</summary>
    CancellationToken Stopping { get; }

    /// <summary>A new conversation, or <see langword="null"/> when the owner has <see cref="ToolPipelineChatOptions.MaxConversationsPerOwner"/> already.</summary>
    ValueTask<IConversationHandle?> CreateAsync(string owner, IReadOnlyDictionary<string, string> settings, CancellationToken cancellationToken);

    /// <summary>The conversation if it exists and belongs to <paramref name="owner"/>; otherwise <see langword="null"/>, the same for both.</summary>
    ValueTask<IConversationHandle?> FindAsync(string id, string owner, CancellationToken cancellationToken);
}

/// <summary>One conversation, as the endpoints reach it.</summary>
internal interface IConversationHandle
{
    string Id { get; }

    /// <summary>The conversation's snapshot; <see langword="null"/> if it was deleted meanwhile.</summary>
    ValueTask<ToolPipelineChatSnapshot?> SnapshotAsync(CancellationToken cancellationToken);

    /// <summary>Starts a turn on <paramref name="message"/>, unless one is running.</summary>
    /// <exception cref="ArgumentException">The pipeline factory refused the conversation's settings (its message says why).</exception>
    ValueTask<ChatTurnStart> StartTurnAsync(string message, HttpContext http, Func<ToolPipelineChatContext, ToolPipeline> pipelineFactory, CancellationToken cancellationToken);

    ValueTask<ToolControlOutcome> CancelTurnAsync(CancellationToken cancellationToken);

    ValueTask<ToolControlOutcome> ControlAsync(string callId, ChatCallControl control, string? reason, CancellationToken cancellationToken);

    /// <summary>Opens an event stream after <paramref name="lastEventId"/>: <see cref="ChatEventsOpen.Full"/> at the stream limit, no stream if the conversation is gone.</summary>
    ValueTask<ChatEventsOpen> OpenEventsAsync(long? lastEventId, CancellationToken cancellationToken);

    /// <summary>Deletes the conversation: its run stops, its streams end, its record goes.</summary>
    ValueTask DeleteAsync(CancellationToken cancellationToken);
}
