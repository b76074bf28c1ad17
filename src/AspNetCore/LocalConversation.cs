using Microsoft.AspNetCore.Http;
using ToolFlow.Blocks;
using ToolFlow.Pipeline;

namespace ToolFlow.AspNetCore;

/// <summary>A conversation of this process: its hub, found again from the store whenever the hub was let go of meanwhile.</summary>
internal sealed class LocalConversation(ConversationHubs hubs, ConversationHub hub) : IConversationHandle
{
    private ConversationHub _hub = hub;

    public string Id => _hub.Conversation.Id;

    public ValueTask<ToolPipelineChatSnapshot?> SnapshotAsync(CancellationToken cancellationToken) => ValueTask.FromResult<ToolPipelineChatSnapshot?>(_hub.Snapshot());

    public async ValueTask<ChatTurnStart> StartTurnAsync(string message, HttpContext http, Func<ToolPipelineChatContext, ToolPipeline> pipelineFactory, CancellationToken cancellationToken)
    {
        var host = new ChatTurnHost(http, http.RequestServices);
        ChatTurnStart start;
        while ((start = _hub.TryStartTurn(message, host, pipelineFactory)) == ChatTurnStart.Retired)
        {
            if (!await RefindAsync(cancellationToken).ConfigureAwait(false))
            {
                return ChatTurnStart.NotFound;
            }
        }

        return start;
    }

    public ValueTask<ToolControlOutcome> CancelTurnAsync(CancellationToken cancellationToken) => ValueTask.FromResult(new ToolControlOutcome(_hub.CancelTurn()));

    public ValueTask<ToolControlOutcome> ControlAsync(string callId, ChatCallControl control, string? reason, CancellationToken cancellationToken)
    {
        ToolControlResult result = _hub.Control(callId, control, reason, out int cancelled);
        return ValueTask.FromResult(new ToolControlOutcome(result, cancelled));
    }

    public async ValueTask<ChatEventsOpen> OpenEventsAsync(long? lastEventId, CancellationToken cancellationToken)
    {
        ToolPipelineChatOptions options = hubs.Options;
        ChatSubscription? subscription;
        bool full;
        while ((subscription = _hub.Subscribe(lastEventId, options.ClientBufferCapacity, options.MaxStreamsPerConversation, out full)) is null)
        {
            // The hub was let go of as this request came: subscribe to the conversation's new one.
            if (full || !await RefindAsync(cancellationToken).ConfigureAwait(false))
            {
                return new ChatEventsOpen(null, full);
            }
        }

        ConversationHub subscribed = _hub;
        return new ChatEventsOpen(
            new ChatEventStream(
                ChatEndpoints.StreamAsync(subscribed, subscription, hubs.Stopping, cancellationToken),
                () =>
                {
                    subscribed.Unsubscribe(subscription.Subscriber);
                    return ValueTask.CompletedTask;
                }),
            Full: false);
    }

    public ValueTask DeleteAsync(CancellationToken cancellationToken) => hubs.DeleteAsync(_hub, cancellationToken);

    private async ValueTask<bool> RefindAsync(CancellationToken cancellationToken)
    {
        if (await hubs.FindAsync(_hub.Conversation.Id, _hub.Conversation.Owner, cancellationToken).ConfigureAwait(false) is not { } found)
        {
            return false;
        }

        _hub = found;
        return true;
    }
}
