using Microsoft.Extensions.Logging;

namespace ToolFlow.AspNetCore;

/// <summary>What the hosts' logs are told: failures the clients see only as a diagnostic event.</summary>
internal static partial class ChatLog
{
    [LoggerMessage(1, LogLevel.Error, "The run of conversation {ConversationId} faulted; the conversation was freed for the next message.")]
    public static partial void RunFaulted(ILogger logger, Exception exception, string conversationId);

    [LoggerMessage(2, LogLevel.Error, "Conversation {ConversationId} could not be saved to the store; it is kept in memory.")]
    public static partial void StoreFailed(ILogger logger, Exception exception, string conversationId);
}
