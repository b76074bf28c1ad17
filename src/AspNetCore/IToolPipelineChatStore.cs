namespace ToolFlow.AspNetCore;

/// <summary>
/// Where conversations are kept between turns: their owner, settings, transcript and folded state. The endpoints
/// read a conversation when it is first used in this process and write it when it is created and after every turn.
/// Live runs, replay logs and SSE clients stay in process memory, never here.
/// </summary>
/// <remarks>
/// Implementations must be safe to call from several threads. <see cref="InMemoryToolPipelineChatStore"/> is the
/// default; register another with <c>services.AddSingleton&lt;IToolPipelineChatStore, MyStore&gt;()</c> after
/// <see cref="ToolPipelineChatServiceCollectionExtensions.AddToolPipelineChat"/>.
/// </remarks>
public interface IToolPipelineChatStore
{
    /// <summary>Adds a new conversation.</summary>
    /// <param name="conversation">The conversation; its id is new.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the conversation is stored.</returns>
    ValueTask CreateAsync(ToolPipelineChatConversation conversation, CancellationToken cancellationToken);

    /// <summary>Reads a conversation.</summary>
    /// <param name="id">The conversation's id.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The conversation, or <see langword="null"/> if there is none with that id.</returns>
    ValueTask<ToolPipelineChatConversation?> GetAsync(string id, CancellationToken cancellationToken);

    /// <summary>Replaces a stored conversation with a newer version of it (same id).</summary>
    /// <param name="conversation">The conversation as it is now.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the conversation is stored.</returns>
    ValueTask UpdateAsync(ToolPipelineChatConversation conversation, CancellationToken cancellationToken);

    /// <summary>Removes a conversation; nothing happens if there is none with that id.</summary>
    /// <param name="id">The conversation's id.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns><see langword="true"/> if a conversation was removed.</returns>
    ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken);

    /// <summary>Counts one owner's conversations, for <see cref="ToolPipelineChatOptions.MaxConversationsPerOwner"/>.</summary>
    /// <param name="owner">The owner.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>How many conversations the owner has.</returns>
    ValueTask<int> CountAsync(string owner, CancellationToken cancellationToken);
}
