using Microsoft.Extensions.AI;

namespace ToolFlow.AspNetCore;

/// <summary>A conversation as an <see cref="IToolPipelineChatStore"/> keeps it.</summary>
/// <param name="Id">The conversation's id, as it appears in the routes.</param>
/// <param name="Owner">Who created it (<see cref="ToolPipelineChatOptions.OwnerOf"/>); only they can see or act on it.</param>
/// <param name="Settings">The settings it was created with, given to the pipeline factory on every turn.</param>
/// <param name="CreatedAt">When it was created, on <see cref="ToolPipelineChatOptions.TimeProvider"/>.</param>
/// <param name="Messages">The transcript the next user message continues: every message of the finished runs.</param>
/// <param name="State">The state folded from its events, as clients see it.</param>
public sealed record ToolPipelineChatConversation(
    string Id,
    string Owner,
    IReadOnlyDictionary<string, string> Settings,
    DateTimeOffset CreatedAt,
    IReadOnlyList<ChatMessage> Messages,
    ToolPipelineChatSnapshot State);
