using System.Text.Json;

namespace ToolFlow.StreamParsers;

/// <summary>
/// Reads an OpenAI Chat Completions streamed body (<c>data: {"choices":[{"delta":...}]}</c> ... <c>data: [DONE]</c>), and
/// the same protocol from compatible servers (Azure OpenAI, vLLM, llama.cpp, Groq, DeepSeek, xAI, Mistral, ...).
/// </summary>
/// <remarks>
/// <para>
/// <c>delta.content</c> is text, <c>delta.reasoning_content</c> (or <c>delta.reasoning</c>) is reasoning, and
/// <c>delta.refusal</c> is text. <c>delta.tool_calls</c> go through a <see cref="ToolCallDeltaParser"/>: parallel
/// calls, calls that interleave (all announced before their arguments, or one started while another streams, each
/// routed by its index), provider indices that do not start at 0, fragments without an index (Mistral), empty names
/// on later fragments, and whole calls in one fragment are all read, and each call completes in the event whose
/// fragment closes its arguments JSON. Mistral's content parts (<c>[{"type":"text"}, {"type":"thinking"}]</c>) and the legacy
/// <c>delta.function_call</c> are read too.
/// </para>
/// <para>
/// A <c>finish_reason</c> (or <c>[DONE]</c>) ends the response: a call without arguments completes with <c>{}</c>; a
/// call whose arguments never closed is aborted. After <c>length</c>, <c>content_filter</c> or any other unusual reason,
/// and when the body ends with neither, every call still open is aborted with a diagnostic. Only the first choice is
/// read.
/// </para>
/// </remarks>
internal sealed class OpenAIChatStreamParser : DeltaStreamBodyParser
{
    private readonly OpenAIChatEventReader _reader = new();
    private bool _choiceIgnoredReported;

    /// <summary>Initializes a parser for one response, with the format name <c>openai-chat</c>.</summary>
    /// <param name="options">Limits, or <see langword="null"/> for <see cref="ToolCallParserOptions.Default"/>.</param>
    public OpenAIChatStreamParser(ToolCallParserOptions? options = null)
        : this("openai-chat", options)
    {
    }

    /// <summary>Initializes a parser for one response of a compatible provider, under that provider's format name.</summary>
    /// <param name="format">The format name to report, for example <c>mistral-chat</c>.</param>
    /// <param name="options">Limits, or <see langword="null"/> for <see cref="ToolCallParserOptions.Default"/>.</param>
    public OpenAIChatStreamParser(string format, ToolCallParserOptions? options)
        : base(options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(format);
        Format = format;
    }

    /// <summary>The format's registry name: <c>openai-chat</c>, or the name given for a compatible provider.</summary>
    public override string Format { get; }

    /// <inheritdoc/>
    protected override void OnEvent(string? eventType, JsonElement data, IToolCallParserObserver observer)
    {
        if (data.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        if (data.TryGetProperty("error", out JsonElement error) && error.ValueKind is JsonValueKind.Object or JsonValueKind.String)
        {
            ReportDiagnostic(observer, ProviderStreamDiagnosticCodes.ProviderError, "The provider reported an error: " + StreamBodyJson.ErrorMessage(error));
        }

        if (!StreamBodyJson.TryGetArray(data, "choices", out JsonElement choices))
        {
            return;
        }

        foreach (JsonElement choice in choices.EnumerateArray())
        {
            if (StreamBodyJson.Int32(choice, "index") is int index && index != 0)
            {
                if (!_choiceIgnoredReported)
                {
                    _choiceIgnoredReported = true;
                    ReportDiagnostic(observer, ProviderStreamDiagnosticCodes.ChoiceIgnored, "The response has more than one choice; only the first is read.");
                }

                continue;
            }

            if (StreamBodyJson.TryGetObject(choice, "delta", out JsonElement delta) || StreamBodyJson.TryGetObject(choice, "message", out delta))
            {
                ReadDelta(delta, observer);
            }

            if (StreamBodyJson.String(choice, "finish_reason") is { } finishReason)
            {
                Finish(finishReason, observer);
            }
        }
    }

    /// <inheritdoc/>
    protected override bool TryReadEvent(string? eventType, ReadOnlySpan<byte> json, IToolCallParserObserver observer)
    {
        if (!_reader.TryRead(json))
        {
            return false;
        }

        // The same order as ReadDelta, then Finish.
        if (_reader.Reasoning is { IsEmpty: false } reasoning)
        {
            observer.OnReasoning(reasoning);
        }

        if (_reader.Content is { IsEmpty: false } content)
        {
            observer.OnText(content);
        }

        if (_reader.Refusal is { IsEmpty: false } refusal)
        {
            observer.OnText(refusal);
        }

        foreach (ToolCallDelta fragment in _reader.Fragments)
        {
            Calls.Append(fragment, EventOffset, observer);
        }

        if (_reader.FinishReason is { } finishReason)
        {
            Finish(finishReason, observer);
        }

        return true;
    }

    /// <inheritdoc/>
    protected override void OnDone(IToolCallParserObserver observer) => Finish("stop", observer);

    private void ReadDelta(JsonElement delta, IToolCallParserObserver observer)
    {
        if ((StreamBodyJson.String(delta, "reasoning_content") ?? StreamBodyJson.String(delta, "reasoning")) is { Length: > 0 } reasoning)
        {
            observer.OnReasoning(reasoning);
        }

        if (delta.TryGetProperty("content", out JsonElement content))
        {
            if (content.ValueKind == JsonValueKind.String)
            {
                string text = content.GetString()!;
                if (text.Length > 0)
                {
                    observer.OnText(text);
                }
            }
            else if (content.ValueKind == JsonValueKind.Array)
            {
                ReadContentParts(content, observer);
            }
        }

        if (StreamBodyJson.String(delta, "refusal") is { Length: > 0 } refusal)
        {
            observer.OnText(refusal);
        }

        if (StreamBodyJson.TryGetArray(delta, "tool_calls", out JsonElement toolCalls))
        {
            foreach (JsonElement toolCall in toolCalls.EnumerateArray())
            {
                StreamBodyJson.TryGetObject(toolCall, "function", out JsonElement function);
                Calls.Append(
                    new ToolCallDelta(
                        StreamBodyJson.Int32(toolCall, "index"),
                        StreamBodyJson.String(toolCall, "id"),
                        StreamBodyJson.String(function, "name"),
                        StreamBodyJson.ArgumentsText(function, "arguments")),
                    EventOffset,
                    observer);
            }
        }

        if (StreamBodyJson.TryGetObject(delta, "function_call", out JsonElement functionCall))
        {
            Calls.Append(
                new ToolCallDelta(null, null, StreamBodyJson.String(functionCall, "name"), StreamBodyJson.ArgumentsText(functionCall, "arguments")),
                EventOffset,
                observer);
        }
    }

    // Mistral: [{"type":"text","text":...}, {"type":"thinking","thinking":[{"type":"text","text":...}]}].
    private static void ReadContentParts(JsonElement parts, IToolCallParserObserver observer)
    {
        foreach (JsonElement part in parts.EnumerateArray())
        {
            string? type = StreamBodyJson.String(part, "type");
            if (type == "text" && StreamBodyJson.String(part, "text") is { Length: > 0 } text)
            {
                observer.OnText(text);
            }
            else if (type == "thinking" && part.TryGetProperty("thinking", out JsonElement thinking))
            {
                if (thinking.ValueKind == JsonValueKind.String && thinking.GetString() is { Length: > 0 } single)
                {
                    observer.OnReasoning(single);
                }
                else if (thinking.ValueKind == JsonValueKind.Array)
                {
                    foreach (JsonElement piece in thinking.EnumerateArray())
                    {
                        if (StreamBodyJson.String(piece, "text") is { Length: > 0 } reasoning)
                        {
                            observer.OnReasoning(reasoning);
                        }
                    }
                }
            }
        }
    }

    private void Finish(string finishReason, IToolCallParserObserver observer) =>
        FinishAtStop(finishReason is "stop" or "tool_calls" or "function_call", "finish_reason", finishReason, observer);
}
