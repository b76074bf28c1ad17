using System.Text.Json;
using Microsoft.Extensions.AI;
using ToolFlow.AspNetCore;

namespace ToolFlow.Orleans;

/// <summary>
/// The store of one conversation grain's hub: the hub saves through <see cref="UpdateAsync"/> (from the thread pool)
/// into the grain's <see cref="ConversationRecord"/>. It holds that one conversation only: creating, counting and
/// deleting conversations are the grains' own business.
/// </summary>
internal sealed class ConversationRecordStore(GrainStateStore<ConversationRecord> record) : IToolPipelineChatStore
{
    // The run a save marks as running: set by the grain when it starts or resumes a run.
    private volatile RunMark? _run;

    public GrainStateStore<ConversationRecord> Record => record;

    public void MarkRun(string runId, int firstTurn) => _run = new RunMark(runId, firstTurn);

    public static ToolPipelineChatConversation? Load(string id, ConversationRecord? stored) =>
        stored is null ? null : new ToolPipelineChatConversation(
            id,
            stored.Owner,
            stored.Settings,
            stored.CreatedAt,
            JsonSerializer.Deserialize<List<ChatMessage>>(stored.MessagesJson, AIJsonUtilities.DefaultOptions) ?? [],
            JsonSerializer.Deserialize(stored.SnapshotJson, ChatJsonContext.Default.ToolPipelineChatSnapshot)
                ?? throw new InvalidDataException($"The stored state of conversation '{id}' is empty."));

    public static ConversationRecord ToRecord(ToolPipelineChatConversation conversation, ConversationRecord? stored) => new()
    {
        Owner = conversation.Owner,
        Settings = new Dictionary<string, string>(conversation.Settings, StringComparer.Ordinal),
        CreatedAt = conversation.CreatedAt,
        MessagesJson = JsonSerializer.Serialize(conversation.Messages, AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(IReadOnlyList<ChatMessage>))),
        SnapshotJson = JsonSerializer.Serialize(conversation.State, ChatJsonContext.Default.ToolPipelineChatSnapshot),
        RunId = stored?.RunId,
        RunFirstTurn = stored?.RunFirstTurn ?? 0,
    };

    public ValueTask UpdateAsync(ToolPipelineChatConversation conversation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(conversation);
        RunMark? run = _run;
        return new(record.WriteAsync(
            stored =>
            {
                ConversationRecord next = ToRecord(conversation, stored);
                if (run is not null)
                {
                    (next.RunId, next.RunFirstTurn) = (run.RunId, run.FirstTurn);
                }

                return next;
            },
            cancellationToken));
    }

    public ValueTask CreateAsync(ToolPipelineChatConversation conversation, CancellationToken cancellationToken) => throw NotHere();

    public ValueTask<ToolPipelineChatConversation?> GetAsync(string id, CancellationToken cancellationToken) => throw NotHere();

    public ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken) => throw NotHere();

    public ValueTask<int> CountAsync(string owner, CancellationToken cancellationToken) => throw NotHere();

    private static NotSupportedException NotHere() => new("A conversation grain's store saves that one conversation; its grain creates and deletes it.");

    private sealed record RunMark(string RunId, int FirstTurn);
}
