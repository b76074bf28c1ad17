namespace ToolFlow.Orleans;

/// <summary>
/// One owner's conversations across the cluster (key: the owner), so <c>MaxConversationsPerOwner</c> holds however
/// many nodes create conversations at once: a grain handles one request at a time, so counting and adding are one step.
/// </summary>
public interface IConversationOwnerGrain : IGrainWithStringKey
{
    /// <summary>Adds a conversation unless the owner has <paramref name="max"/> already.</summary>
    /// <param name="conversationId">The new conversation.</param>
    /// <param name="max">The most conversations the owner may have.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Whether it was added.</returns>
    Task<bool> TryAddAsync(string conversationId, int max, CancellationToken cancellationToken);

    /// <summary>Removes a conversation (nothing happens if the owner has none of that id).</summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes once stored.</returns>
    Task RemoveAsync(string conversationId, CancellationToken cancellationToken);

    /// <summary>How many conversations the owner has.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The count.</returns>
    Task<int> CountAsync(CancellationToken cancellationToken);
}
