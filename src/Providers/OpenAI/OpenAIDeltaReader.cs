using Microsoft.Extensions.AI;
using OpenAI.Chat;
using OpenAI.Responses;
using ToolFlow.Blocks;
using ToolFlow.StreamParsers;

namespace ToolFlow.Providers.OpenAI;

/// <summary>
/// Reads tool-call fragments from the OpenAI SDK's streaming updates, which <c>Microsoft.Extensions.AI.OpenAI</c>'s
/// clients leave in <see cref="ChatResponseUpdate.RawRepresentation"/>: chat completions
/// (<c>ChatClient.AsIChatClient()</c>) and the Responses API (<c>ResponsesClient.AsIChatClient(model)</c>). Those
/// clients give each <see cref="FunctionCallContent"/> whole only when the stream ends (chat completions) or when its
/// output item is done (Responses); with this reader registered
/// (<c>ToolPipelineBuilder.AddDeltaReader(OpenAIDeltaReader.Instance)</c>) a call starts the moment its arguments
/// JSON closes, and the whole content that comes later under the same call id is recognised as the same call.
/// </summary>
/// <remarks>
/// <para>
/// Chat completions: each <see cref="StreamingChatCompletionUpdate"/>'s
/// <see cref="StreamingChatCompletionUpdate.ToolCallUpdates"/> give one fragment each (index, id, name, arguments).
/// <c>Microsoft.Extensions.AI.OpenAI</c> yields one update per SDK update with that raw update, then, after the last,
/// one more without a raw representation that holds every call whole, matched to the calls read here by call id.
/// ToolFlow's own <see cref="OpenAIChatClient"/> carries the same raw update and also the same fragments as
/// <see cref="ToolCallUpdateContent"/>s; the parser reads them once, from here.
/// </para>
/// <para>
/// Responses: an output item added with a function call opens the call at its output index, under its
/// <see cref="FunctionCallResponseItem.CallId"/> (the id <c>Microsoft.Extensions.AI</c> gives its
/// <see cref="FunctionCallContent"/>, and the one a result must answer); each arguments delta is a fragment at its
/// output index. Every other Responses update is known and carries no fragment: text and the end of the response are
/// read from the update's contents, and the whole call comes in the update whose raw representation is the item's
/// <c>response.output_item.done</c>.
/// </para>
/// </remarks>
#pragma warning disable OPENAI001 // The Responses API types are marked as evaluation APIs by the SDK; the wire format is stable.
public sealed class OpenAIDeltaReader : ToolCallDeltaReader
{
    private OpenAIDeltaReader()
    {
    }

    /// <summary>The reader; it keeps no state, so one serves every pipeline.</summary>
    public static OpenAIDeltaReader Instance { get; } = new();

    /// <inheritdoc/>
    public override bool TryRead(object rawRepresentation, ICollection<ToolCallDelta> deltas)
    {
        ArgumentNullException.ThrowIfNull(rawRepresentation);
        ArgumentNullException.ThrowIfNull(deltas);
        switch (rawRepresentation)
        {
            case StreamingChatCompletionUpdate chat:
                foreach (StreamingChatToolCallUpdate call in chat.ToolCallUpdates)
                {
                    deltas.Add(new ToolCallDelta(call.Index, NullIfEmpty(call.ToolCallId), NullIfEmpty(call.FunctionName), Text(call.FunctionArgumentsUpdate)));
                }

                return true;
            case StreamingResponseOutputItemAddedUpdate { Item: FunctionCallResponseItem item } added:
                // The item usually opens with empty arguments; a server that sends some already gets them read.
                deltas.Add(new ToolCallDelta(added.OutputIndex, NullIfEmpty(item.CallId), NullIfEmpty(item.FunctionName), Text(item.FunctionArguments)));
                return true;
            case StreamingResponseFunctionCallArgumentsDeltaUpdate delta:
                deltas.Add(new ToolCallDelta(delta.OutputIndex, null, null, Text(delta.Delta)));
                return true;
            case StreamingResponseUpdate:
                return true;
            default:
                return false;
        }
    }

    private static string? Text(BinaryData? data) => data is null || data.ToMemory().IsEmpty ? null : data.ToString();

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
