using System.Collections.Concurrent;

namespace ToolFlow.AspNetCore;

/// <summary>The default <see cref="IToolPipelineChatStore"/>: conversations in a dictionary, lost when the process ends.</summary>
public sealed class InMemoryToolPipelineChatStore : IToolPipelineChatStore
{
    private readonly ConcurrentDictionary<string, ToolPipelineChatConversation> _conversations = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public ValueTask CreateAsync(ToolPipelineChatConversation conversation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(conversation);
        if (!_conversations.TryAdd(conversation.Id, conversation))
        {
            throw new InvalidOperationException($"A conversation with id '{conversation.Id}' exists already.");
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask<ToolPipelineChatConversation?> GetAsync(string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        return ValueTask.FromResult(_conversations.GetValueOrDefault(id));
    }

    /// <inheritdoc/>
    public ValueTask UpdateAsync(ToolPipelineChatConversation conversation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(conversation);
        _conversations[conversation.Id] = conversation;
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        return ValueTask.FromResult(_conversations.TryRemove(id, out _));
    }

    /// <inheritdoc/>
    public ValueTask<int> CountAsync(string owner, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(owner);
        return ValueTask.FromResult(_conversations.Values.Count(c => c.Owner == owner));
    }
}
