namespace ToolFlow.Orleans;

/// <summary>
/// A chat conversation as a grain (key: the conversation id): it hosts the conversation's runs and its event stream,
/// and keeps its record (owner, settings, transcript, folded state, last event id) and its ledger in grain storage,
/// so an activation on another silo continues from them. Every method takes the caller's owner and answers as for
/// an unknown conversation when it is not the conversation's.
/// </summary>
public interface IConversationGrain : IGrainWithStringKey
{
    /// <summary>Creates the conversation, unless its owner has <paramref name="maxPerOwner"/> conversations already.</summary>
    /// <param name="owner">Who creates it.</param>
    /// <param name="settings">The settings it is created with.</param>
    /// <param name="maxPerOwner">The most conversations one owner may have, across the cluster.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Whether it was created.</returns>
    Task<bool> CreateAsync(string owner, Dictionary<string, string> settings, int maxPerOwner, CancellationToken cancellationToken);

    /// <summary>Whether the conversation exists and belongs to <paramref name="owner"/>.</summary>
    /// <param name="owner">The caller's owner.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><see langword="true"/> if it does.</returns>
    Task<bool> IsOwnedByAsync(string owner, CancellationToken cancellationToken);

    /// <summary>The conversation's snapshot, as the chat routes' JSON.</summary>
    /// <param name="owner">The caller's owner.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The snapshot's JSON, or <see langword="null"/> for an unknown conversation.</returns>
    Task<string?> SnapshotAsync(string owner, CancellationToken cancellationToken);

    /// <summary>Starts a turn on a user message, unless one is running; the silo's pipeline factory makes its pipeline.</summary>
    /// <param name="owner">The caller's owner.</param>
    /// <param name="message">The user message.</param>
    /// <param name="cancellationToken">Cancels the call (not the turn, which outlives it).</param>
    /// <returns>What happened.</returns>
    Task<ConversationTurnResult> StartTurnAsync(string owner, string message, CancellationToken cancellationToken);

    /// <summary>Cancels the turn or controls a call of it.</summary>
    /// <param name="owner">The caller's owner.</param>
    /// <param name="control">What to do.</param>
    /// <param name="callId">The call, for every control but <see cref="ConversationControl.CancelTurn"/>.</param>
    /// <param name="reason">A deny's reason, if any.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>What it did.</returns>
    Task<ConversationControlResult> ControlAsync(string owner, ConversationControl control, string? callId, string? reason, CancellationToken cancellationToken);

    /// <summary>
    /// The conversation's events for one SSE client: first an item saying whether the stream opened, then a snapshot
    /// or the replay after <paramref name="lastEventId"/>, then live events, as the chat routes send them.
    /// </summary>
    /// <param name="owner">The caller's owner.</param>
    /// <param name="lastEventId">The client's Last-Event-ID, if any.</param>
    /// <param name="bufferCapacity">Events buffered for this client before it lags.</param>
    /// <param name="maxStreams">The most streams the conversation serves at once.</param>
    /// <param name="cancellationToken">Ends the stream.</param>
    /// <returns>The items.</returns>
    IAsyncEnumerable<ConversationStreamItem> EventsAsync(string owner, long? lastEventId, int bufferCapacity, int maxStreams, CancellationToken cancellationToken);

    /// <summary>Deletes the conversation: its run stops, its streams end, its record and ledger leave storage.</summary>
    /// <param name="owner">The caller's owner.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Whether it was deleted (false for an unknown conversation).</returns>
    Task<bool> DeleteAsync(string owner, CancellationToken cancellationToken);
}
