using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;

namespace ToolFlow.Pipeline;

/// <summary>
/// Counts a request's conversation against the context window: each message's text, reasoning, calls (name and
/// arguments as JSON) and results (as the model reads them), plus a fixed overhead per message. Each message is
/// counted once and remembered (by reference), so a turn counts only what it added. Tool definitions, images and
/// other data are not counted.
/// </summary>
/// <remarks>Used by the run's loop only, one request at a time.</remarks>
internal sealed class ConversationTokens(ITokenCounter counter, int overheadPerMessage)
{
    private readonly ConditionalWeakTable<ChatMessage, StrongBox<int>> _counts = new();

    /// <summary>How many messages were tokenised (not taken from the cache), for tests.</summary>
    public int MessagesCounted { get; private set; }

    public int Count(IReadOnlyList<ChatMessage> messages)
    {
        long total = 0;
        foreach (ChatMessage message in messages)
        {
            if (!_counts.TryGetValue(message, out StrongBox<int>? count))
            {
                count = new StrongBox<int>(CountMessage(message));
                _counts.AddOrUpdate(message, count);
                MessagesCounted++;
            }

            total += count.Value + overheadPerMessage;
        }

        return (int)Math.Min(total, int.MaxValue);
    }

    private int CountMessage(ChatMessage message)
    {
        int tokens = 0;
        foreach (AIContent content in message.Contents)
        {
            tokens += content switch
            {
                TextContent text => counter.CountTokens(text.Text),
                TextReasoningContent reasoning => counter.CountTokens(reasoning.Text),
                FunctionCallContent call => counter.CountTokens(call.Name)
                    + counter.CountTokens(JsonSerializer.Serialize(call.Arguments ?? new Dictionary<string, object?>(), ToolResultText.Compact.GetTypeInfo(typeof(IDictionary<string, object?>)))),
                FunctionResultContent result => counter.CountTokens(result.Result is null && result.Exception is { } e ? e.Message : ToolResultText.Of(result.Result)),
                _ => 0,
            };
        }

        return tokens;
    }
}
