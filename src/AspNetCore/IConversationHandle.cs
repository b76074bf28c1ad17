using Microsoft.AspNetCore.Http;
using ToolFlow.Pipeline;

namespace ToolFlow.AspNetCore;

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
