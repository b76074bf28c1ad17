using Anthropic.Models.Messages;
using ToolFlow.Blocks;
using ToolFlow.StreamParsers;

namespace ToolFlow.Providers.Anthropic;

/// <summary>
/// Reads tool-call fragments from the raw Messages stream events that the official Anthropic SDK's
/// <c>AsIChatClient()</c> leaves in each update's <see cref="Microsoft.Extensions.AI.ChatResponseUpdate.RawRepresentation"/>
/// (a <see cref="RawMessageStreamEvent"/>).
/// </summary>
/// <remarks>
/// <para>
/// That client already yields each whole <see cref="Microsoft.Extensions.AI.FunctionCallContent"/> at its block's
/// <c>content_block_stop</c>, so calls start mid-stream without a reader. With the reader, a call is detected at its
/// <c>content_block_start</c>, its arguments stream as <see cref="ToolArgumentsDelta"/> events, and it closes in the
/// update whose <c>input_json_delta</c> closes its JSON; the whole content that follows is the same call.
/// </para>
/// <para>
/// A <c>tool_use</c> block starts call <c>index</c> (the content block's index) with the block's id and name; an
/// <c>input_json_delta</c> is a fragment of that call. Every other stream event is known and carries no fragment. A
/// tool without parameters may stream no <c>partial_json</c> at all; its whole content closes it. Server tools
/// (<c>server_tool_use</c>, run by Anthropic) start no call: each response's reader (<see cref="ForResponse"/>)
/// remembers which blocks are <c>tool_use</c> blocks and reads input fragments only of those.
/// </para>
/// </remarks>
public sealed class AnthropicDeltaReader : ToolCallDeltaReader
{
    // The indexes of the response's tool_use blocks; null on the shared instance, which reads every input fragment.
    private readonly HashSet<long>? _toolUseBlocks;

    private AnthropicDeltaReader(HashSet<long>? toolUseBlocks)
    {
        _toolUseBlocks = toolUseBlocks;
    }

    /// <summary>The reader to register; each response reads with its own <see cref="ForResponse"/>.</summary>
    public static AnthropicDeltaReader Instance { get; } = new(null);

    /// <inheritdoc/>
    public override ToolCallDeltaReader ForResponse() => new AnthropicDeltaReader([]);

    /// <inheritdoc/>
    public override bool TryRead(object rawRepresentation, ICollection<ToolCallDelta> deltas)
    {
        ArgumentNullException.ThrowIfNull(deltas);
        if (rawRepresentation is not RawMessageStreamEvent streamEvent)
        {
            return false;
        }

        if (streamEvent.TryPickContentBlockStart(out RawContentBlockStartEvent? start))
        {
            if (start.ContentBlock.Value is ToolUseBlock toolUse && ToIndex(start.Index) is int index)
            {
                _toolUseBlocks?.Add(start.Index);
                deltas.Add(new ToolCallDelta(index, toolUse.ID, toolUse.Name, null));
            }
        }
        else if (streamEvent.TryPickContentBlockDelta(out RawContentBlockDeltaEvent? delta))
        {
            if (delta.Delta.TryPickInputJson(out InputJsonDelta? json) && json.PartialJson.Length > 0 && ToIndex(delta.Index) is int index &&
                (_toolUseBlocks is null || _toolUseBlocks.Contains(delta.Index)))
            {
                deltas.Add(new ToolCallDelta(index, null, null, json.PartialJson));
            }
        }

        return true;
    }

    // A block index beyond int is not one the API sends; such a call is left to the whole content the client gives.
    private static int? ToIndex(long index) => index is >= 0 and <= int.MaxValue ? (int)index : null;
}
