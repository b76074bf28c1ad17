using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using ToolFlow.AspNetCore;
using ToolFlow.Blocks;
using ToolFlow.Pipeline;

namespace ToolFlow.Orleans;

/// <summary>
/// A conversation grain as the endpoints reach it. The pipeline factory given to <c>MapToolPipelineChat</c> is not
/// used: the grain's silo makes each turn's pipeline with its own factory (<c>AddToolFlowConversations</c>).
/// </summary>
internal sealed partial class OrleansConversation(OrleansConversationHost host, IConversationGrain grain, string id, string owner) : IConversationHandle
{
    public string Id => id;

    public async ValueTask<ToolPipelineChatSnapshot?> SnapshotAsync(CancellationToken cancellationToken) =>
        await grain.SnapshotAsync(owner, cancellationToken).ConfigureAwait(false) is { } json
            ? JsonSerializer.Deserialize(json, ChatJsonContext.Default.ToolPipelineChatSnapshot)
            : null;

    public async ValueTask<ChatTurnStart> StartTurnAsync(string message, HttpContext http, Func<ToolPipelineChatContext, ToolPipeline> pipelineFactory, CancellationToken cancellationToken)
    {
        ConversationTurnResult result = await grain.StartTurnAsync(owner, message, cancellationToken).ConfigureAwait(false);
        return result.Outcome switch
        {
            ConversationTurnOutcome.Started => ChatTurnStart.Started,
            ConversationTurnOutcome.TurnRunning => ChatTurnStart.TurnRunning,
            ConversationTurnOutcome.InvalidSettings => throw new ArgumentException(result.Detail),
            _ => ChatTurnStart.NotFound,
        };
    }

    public async ValueTask<ToolControlOutcome> CancelTurnAsync(CancellationToken cancellationToken) =>
        Outcome(await grain.ControlAsync(owner, ConversationControl.CancelTurn, null, null, cancellationToken).ConfigureAwait(false));

    public async ValueTask<ToolControlOutcome> ControlAsync(string callId, ChatCallControl control, string? reason, CancellationToken cancellationToken)
    {
        ConversationControl remote = control switch
        {
            ChatCallControl.Cancel => ConversationControl.CancelCall,
            ChatCallControl.CancelBranch => ConversationControl.CancelBranch,
            ChatCallControl.Approve => ConversationControl.Approve,
            _ => ConversationControl.Deny,
        };
        return Outcome(await grain.ControlAsync(owner, remote, callId, reason, cancellationToken).ConfigureAwait(false));
    }

    public async ValueTask<ChatEventsOpen> OpenEventsAsync(long? lastEventId, CancellationToken cancellationToken)
    {
        // The stream lasts as long as the request (or this app): cancelling it ends the grain's side too.
        var ends = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, host.Stopping);
        IAsyncEnumerator<ConversationStreamItem> items = grain
            .EventsAsync(owner, lastEventId, host.Options.ClientBufferCapacity, host.Options.MaxStreamsPerConversation, ends.Token)
            .GetAsyncEnumerator(ends.Token);
        var stream = new GrainEventStream(items, ends);
        try
        {
            if (await items.MoveNextAsync().ConfigureAwait(false) && items.Current.Kind == ConversationStreamItemKind.Opened)
            {
                return new ChatEventsOpen(new ChatEventStream(ReadAsync(stream), stream.CloseAsync), Full: false);
            }

            bool full = items.Current?.Kind == ConversationStreamItemKind.Full;
            await stream.CloseAsync().ConfigureAwait(false);
            return new ChatEventsOpen(null, full);
        }
        catch
        {
            await stream.CloseAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DeleteAsync(CancellationToken cancellationToken) =>
        await grain.DeleteAsync(owner, cancellationToken).ConfigureAwait(false);

    private static ToolControlOutcome Outcome(ConversationControlResult result) => new(result.Result, result.Cancelled);

    // The grain's items as SSE items. If the conversation's node is lost the stream ends: the client reconnects with
    // its Last-Event-ID (EventSource does so by itself) and the conversation, active elsewhere, answers from its store.
    private async IAsyncEnumerable<SseItem<string>> ReadAsync(GrainEventStream stream, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        try
        {
            while (await MoveNextAsync(stream).ConfigureAwait(false))
            {
                ConversationStreamItem item = stream.Items.Current;
                yield return new SseItem<string>(item.Data ?? string.Empty, item.EventType) { EventId = item.EventId };
            }
        }
        finally
        {
            await stream.CloseAsync().ConfigureAwait(false);
        }
    }

    private async ValueTask<bool> MoveNextAsync(GrainEventStream stream)
    {
        try
        {
            return await stream.Items.MoveNextAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (Exception e) when (!stream.IsClosed)
        {
            LogStreamLost(host.Logger, e, id);
            return false;
        }
    }

    [LoggerMessage(20, LogLevel.Information, "The event stream of conversation {ConversationId} ended: its grain could not be reached; the client resumes with its Last-Event-ID.")]
    private static partial void LogStreamLost(ILogger logger, Exception exception, string conversationId);

    /// <summary>A grain's event enumeration and the token that ends it; closed once, whoever closes it first.</summary>
    private sealed class GrainEventStream(IAsyncEnumerator<ConversationStreamItem> items, CancellationTokenSource ends)
    {
        private int _closed;

        public IAsyncEnumerator<ConversationStreamItem> Items => items;

        public bool IsClosed => Volatile.Read(ref _closed) != 0;

        public async ValueTask CloseAsync()
        {
            if (Interlocked.Exchange(ref _closed, 1) != 0)
            {
                return;
            }

            await ends.CancelAsync().ConfigureAwait(false);
            try
            {
                await items.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception)
            {
                // The grain is gone or the enumeration ended already: nothing is left to release there.
            }
            finally
            {
                ends.Dispose();
            }
        }
    }
}
