using System.Text.Json;

namespace ToolFlow.StreamParsers;

/// <summary>
/// Reads an OpenAI Responses API streamed body (<c>event: response.output_item.added</c>,
/// <c>response.function_call_arguments.delta</c>, ...), from OpenAI or Azure OpenAI.
/// </summary>
/// <remarks>
/// <para>
/// A <c>function_call</c> output item starts a call (its id is the item's <c>call_id</c>); its
/// <c>function_call_arguments.delta</c> events stream the arguments, and it completes in the event whose delta closes
/// the arguments JSON, or at <c>function_call_arguments.done</c> / <c>output_item.done</c>, which carry the whole
/// arguments (a call with none gets <c>{}</c>). Several items may be open at once: argument events are routed by
/// their item, so items added before their arguments, or interleaved, each get their own. <c>output_text.delta</c> and <c>refusal.delta</c> are text;
/// <c>reasoning_summary_text.delta</c> and <c>reasoning_text.delta</c> are reasoning. Other <c>*_call</c> items (hosted
/// tools such as web search, and tools this parser does not run) are reported as diagnostics, never as calls.
/// </para>
/// <para>
/// <c>response.completed</c> ends the response; <c>response.incomplete</c> and <c>response.failed</c> end it abnormally
/// (every call still open is aborted), as does a body that ends with none of them.
/// </para>
/// </remarks>
internal sealed class OpenAIResponsesStreamParser : StreamBodyParser
{
    private readonly StreamBodyDeltaCalls _calls;

    // Output index by item id, for argument events that name only the item.
    private readonly Dictionary<string, int> _indexByItem = new(StringComparer.Ordinal);
    private readonly OpenAIResponsesDeltaEventReader _deltaReader = new();

    // The last entry written to _indexByItem: an event that repeats it needs no write.
    private string? _lastItemId;
    private int _lastItemIndex;

    /// <summary>Initializes a parser for one response.</summary>
    /// <param name="options">Limits, or <see langword="null"/> for <see cref="ToolCallParserOptions.Default"/>.</param>
    public OpenAIResponsesStreamParser(ToolCallParserOptions? options = null)
        : base(options)
    {
        _calls = new StreamBodyDeltaCalls(Options);
    }

    /// <summary>The format's registry name: <c>openai-responses</c>.</summary>
    public override string Format => "openai-responses";

    /// <inheritdoc/>
    protected override void OnEvent(string? eventType, JsonElement data, IToolCallParserObserver observer)
    {
        if (data.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        switch (StreamBodyJson.String(data, "type") ?? eventType)
        {
            case "response.output_item.added":
                if (StreamBodyJson.TryGetObject(data, "item", out JsonElement added) && StreamBodyJson.String(added, "type") == "function_call")
                {
                    int index = IndexOf(data, added);
                    _calls.Append(
                        new ToolCallDelta(
                            index,
                            StreamBodyJson.String(added, "call_id") ?? StreamBodyJson.String(added, "id"),
                            StreamBodyJson.String(added, "name"),
                            StreamBodyJson.String(added, "arguments")),
                        EventOffset,
                        observer);
                }

                break;

            case "response.function_call_arguments.delta":
                _calls.Append(new ToolCallDelta(IndexOf(data, default), null, null, StreamBodyJson.String(data, "delta")), EventOffset, observer);
                break;

            case "response.function_call_arguments.done":
                _calls.End(IndexOf(data, default), StreamBodyJson.String(data, "arguments"), EventOffset, observer);
                break;

            case "response.output_item.done":
                if (StreamBodyJson.TryGetObject(data, "item", out JsonElement done))
                {
                    ReadItemDone(data, done, observer);
                }

                break;

            case "response.output_text.delta":
            case "response.refusal.delta":
                if (StreamBodyJson.String(data, "delta") is { Length: > 0 } text)
                {
                    observer.OnText(text);
                }

                break;

            case "response.reasoning_summary_text.delta":
            case "response.reasoning_text.delta":
                if (StreamBodyJson.String(data, "delta") is { Length: > 0 } reasoning)
                {
                    observer.OnReasoning(reasoning);
                }

                break;

            case "response.completed":
                _calls.Finish(EventOffset, ToolCallCompletionReason.ProviderStop, null, observer);
                break;

            case "response.incomplete":
                string why = StreamBodyJson.TryGetObject(data, "response", out JsonElement response) &&
                    StreamBodyJson.TryGetObject(response, "incomplete_details", out JsonElement details) &&
                    StreamBodyJson.String(details, "reason") is { } reason
                    ? reason
                    : "incomplete";
                StopAbnormally(ProviderStreamDiagnosticCodes.ResponseStopped, $"The provider stopped the response early ({why}); calls still open are dropped.", why, observer);
                break;

            case "response.failed":
                string failure = StreamBodyJson.TryGetObject(data, "response", out JsonElement failed) &&
                    failed.TryGetProperty("error", out JsonElement error) && error.ValueKind != JsonValueKind.Null
                    ? StreamBodyJson.ErrorMessage(error)
                    : "no details";
                StopAbnormally(ProviderStreamDiagnosticCodes.ProviderError, $"The response failed ({failure}); calls still open are dropped.", "failed", observer);
                break;

            case "error":
                string message = data.TryGetProperty("error", out JsonElement inner) ? StreamBodyJson.ErrorMessage(inner) : StreamBodyJson.ErrorMessage(data);
                ReportDiagnostic(observer, ProviderStreamDiagnosticCodes.ProviderError, "The provider reported an error: " + message);
                break;

            default:
                break;
        }
    }

    /// <inheritdoc/>
    protected override bool TryReadEvent(string? eventType, ReadOnlySpan<byte> json, IToolCallParserObserver observer)
    {
        if (!_deltaReader.TryRead(json))
        {
            return false;
        }

        ReadOnlySpan<char> delta = _deltaReader.Delta;
        switch (_deltaReader.Kind)
        {
            case ResponsesDeltaKind.Text when !delta.IsEmpty:
                observer.OnText(delta);
                break;
            case ResponsesDeltaKind.Reasoning when !delta.IsEmpty:
                observer.OnReasoning(delta);
                break;
            case ResponsesDeltaKind.Arguments:
                int index = _deltaReader.OutputIndex;
                if (_deltaReader.ItemId is { } itemId)
                {
                    Record(itemId, index);
                }

                _calls.Append(new ToolCallDelta(index, null, null, delta.ToString()), EventOffset, observer);
                break;
            default:
                break;
        }

        return true;
    }

    /// <inheritdoc/>
    protected override void OnEnd(IToolCallParserObserver observer)
    {
        if (!_calls.IsFinished)
        {
            StopAbnormally(ProviderStreamDiagnosticCodes.StreamTruncated, "The stream ended before the provider finished the response.", "the stream ended", observer);
        }
    }

    private void ReadItemDone(JsonElement data, JsonElement item, IToolCallParserObserver observer)
    {
        string? type = StreamBodyJson.String(item, "type");
        if (type == "function_call")
        {
            _calls.End(IndexOf(data, item), StreamBodyJson.String(item, "arguments"), EventOffset, observer);
        }
        else if (type is not null && type.EndsWith("_call", StringComparison.Ordinal))
        {
            string? name = StreamBodyJson.String(item, "name");
            ReportDiagnostic(
                observer,
                ProviderStreamDiagnosticCodes.ProviderToolCall,
                $"The response holds a '{type}' item{(name is null ? string.Empty : $" ('{name}')")}, which is not a function call; it is not reported as a call.");
        }
    }

    // The output index of an event's item: its output_index, or the index recorded for its item id.
    private int IndexOf(JsonElement data, JsonElement item)
    {
        string? itemId = StreamBodyJson.String(data, "item_id") ?? StreamBodyJson.String(item, "id");
        if (StreamBodyJson.Int32(data, "output_index") is int index)
        {
            if (itemId is not null)
            {
                Record(itemId, index);
            }

            return index;
        }

        return itemId is not null && _indexByItem.TryGetValue(itemId, out int known) ? known : -1;
    }

    private void Record(string itemId, int index)
    {
        if (!ReferenceEquals(itemId, _lastItemId) || index != _lastItemIndex)
        {
            _indexByItem[itemId] = index;
            (_lastItemId, _lastItemIndex) = (itemId, index);
        }
    }

    private void StopAbnormally(string code, string message, string why, IToolCallParserObserver observer)
    {
        if (_calls.IsFinished)
        {
            return;
        }

        ReportDiagnostic(observer, code, message);
        _calls.Finish(EventOffset, ToolCallCompletionReason.ProviderStop, $"the response ended ({why}) before the call was complete.", observer);
    }
}
