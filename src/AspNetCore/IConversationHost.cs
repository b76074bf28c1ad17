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

    /// <summary>
    /// Whether <paramref name="exception"/>, thrown while reaching a conversation, means only that it cannot be
    /// reached just now (its node died and the cluster has not yet moved it): the endpoints answer 503 with
    /// <c>Retry-After</c> rather than 500.
    /// </summary>
    bool IsUnavailable(Exception exception);
}
