using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ToolFlow.AspNetCore;

/// <summary>The hubs of this process, one per conversation in use, loaded from the store on first use: the local <see cref="IConversationHost"/>.</summary>
internal sealed class ConversationHubs : IConversationHost
{
    private readonly ConcurrentDictionary<string, ConversationHub> _hubs = new(StringComparer.Ordinal);

    // Counting an owner's conversations and adding one happen together, so two requests cannot both take the last place.
    private readonly SemaphoreSlim _creating = new(1, 1);

    private readonly ILogger _logger;

    public ConversationHubs(IToolPipelineChatStore store, IOptions<ToolPipelineChatOptions> options, IHostApplicationLifetime? lifetime = null, ILoggerFactory? loggers = null)
    {
        Store = store;
        Options = options.Value;
        _logger = (loggers ?? NullLoggerFactory.Instance).CreateLogger<ConversationHub>();
        Stopping = lifetime?.ApplicationStopping ?? CancellationToken.None;

        // Runs belong to the process: when the host stops, they stop with it instead of running on unobserved.
        Stopping.Register(static state => ((ConversationHubs)state!).StopAll(), this);
    }

    /// <summary>Fires when the host begins to stop: SSE streams end then, so shutdown does not wait for clients to leave.</summary>
    public CancellationToken Stopping { get; }

    public IToolPipelineChatStore Store { get; }

    public ToolPipelineChatOptions Options { get; }

    /// <summary>The conversation's hub if it exists and belongs to <paramref name="owner"/>; otherwise <see langword="null"/>, the same for both, so existence is not revealed.</summary>
    public async ValueTask<ConversationHub?> FindAsync(string id, string owner, CancellationToken cancellationToken)
    {
        ConversationHub? hub;
        while (!_hubs.TryGetValue(id, out hub) || hub.IsRetired)
        {
            if (hub is not null)
            {
                _hubs.TryRemove(new KeyValuePair<string, ConversationHub>(id, hub));
            }

            ToolPipelineChatConversation? conversation = await Store.GetAsync(id, cancellationToken).ConfigureAwait(false);
            if (conversation is null)
            {
                return null;
            }

            _hubs.TryAdd(id, NewHub(conversation));
        }

        return hub.Conversation.Owner == owner ? hub : null;
    }

    /// <summary>A new conversation's hub, or <see langword="null"/> when the owner has <see cref="ToolPipelineChatOptions.MaxConversationsPerOwner"/> already.</summary>
    public async ValueTask<ConversationHub?> CreateAsync(string owner, IReadOnlyDictionary<string, string> settings, CancellationToken cancellationToken)
    {
        await _creating.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (await Store.CountAsync(owner, cancellationToken).ConfigureAwait(false) >= Options.MaxConversationsPerOwner)
            {
                return null;
            }

            string id = Guid.NewGuid().ToString("N");
            DateTimeOffset createdAt = Options.TimeProvider.GetUtcNow();
            var conversation = new ToolPipelineChatConversation(id, owner, settings, createdAt, [], ChatState.Empty(id, createdAt));
            await Store.CreateAsync(conversation, cancellationToken).ConfigureAwait(false);
            return _hubs.GetOrAdd(id, NewHub(conversation));
        }
        finally
        {
            _creating.Release();
        }
    }

    async ValueTask<IConversationHandle?> IConversationHost.CreateAsync(string owner, IReadOnlyDictionary<string, string> settings, CancellationToken cancellationToken) =>
        await CreateAsync(owner, settings, cancellationToken).ConfigureAwait(false) is { } hub ? new LocalConversation(this, hub) : null;

    // Conversations in this process are always reachable; a failing store is an error, not a moved conversation.
    bool IConversationHost.IsUnavailable(Exception exception) => false;

    async ValueTask<IConversationHandle?> IConversationHost.FindAsync(string id, string owner, CancellationToken cancellationToken) =>
        await FindAsync(id, owner, cancellationToken).ConfigureAwait(false) is { } hub ? new LocalConversation(this, hub) : null;

    /// <summary>How many conversations have a hub in memory.</summary>
    public int Count => _hubs.Count;

    /// <summary>Deletes a conversation: its run stops, its clients' streams end, the store forgets it.</summary>
    public async ValueTask DeleteAsync(ConversationHub hub, CancellationToken cancellationToken)
    {
        _hubs.TryRemove(hub.Conversation.Id, out _);
        await hub.ShutdownAsync().ConfigureAwait(false);
        await Store.DeleteAsync(hub.Conversation.Id, cancellationToken).ConfigureAwait(false);
    }

    private void StopAll()
    {
        foreach (ConversationHub hub in _hubs.Values)
        {
            _ = hub.ShutdownAsync().AsTask();
        }
    }

    private ConversationHub NewHub(ToolPipelineChatConversation conversation) => new(conversation, Options, Store, OnIdle, _logger);

    // Memory holds only conversations in use: one with no run, no unsaved state and no client is let go of.
    private void OnIdle(ConversationHub hub)
    {
        if (hub.TryRetire())
        {
            _hubs.TryRemove(new KeyValuePair<string, ConversationHub>(hub.Conversation.Id, hub));
        }
    }
}
