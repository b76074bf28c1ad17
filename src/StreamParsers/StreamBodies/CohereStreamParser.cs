using System.Text.Json;

namespace ToolFlow.StreamParsers;

/// <summary>
/// Reads a Cohere v2 Chat API streamed body (<c>message-start</c>, <c>content-delta</c>, <c>tool-plan-delta</c>,
/// <c>tool-call-start</c>, <c>tool-call-delta</c>, <c>tool-call-end</c>, <c>message-end</c>).
/// </summary>
/// <remarks>
/// <para>
/// <c>tool-call-start</c> starts a call (with its id and name, and possibly a first piece of its arguments);
/// <c>tool-call-delta</c> streams the arguments, and the call completes in the event whose piece closes the arguments
/// JSON, or at <c>tool-call-end</c>, where a call whose arguments are empty gets <c>{}</c>. <c>content-delta</c> text is
/// text; its <c>thinking</c>, and the <c>tool-plan-delta</c> plan the model writes before calling tools, are reasoning.
/// </para>
/// <para>
/// The <c>finish_reason</c> of <c>message-end</c> ends the response; after <c>MAX_TOKENS</c>, <c>ERROR</c> or any other
/// unusual reason, and when the body ends without it, every call still open is aborted with a diagnostic.
/// </para>
/// </remarks>
internal sealed class CohereStreamParser : DeltaStreamBodyParser
{
    /// <summary>Initializes a parser for one response.</summary>
    /// <param name="options">Limits, or <see langword="null"/> for <see cref="ToolCallParserOptions.Default"/>.</param>
    public CohereStreamParser(ToolCallParserOptions? options = null)
        : base(options)
    {
    }

    /// <summary>The format's registry name: <c>cohere</c>.</summary>
    public override string Format => "cohere";

    /// <inheritdoc/>
    protected override void OnEvent(string? eventType, JsonElement data, IToolCallParserObserver observer)
    {
        if (data.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        int index = StreamBodyJson.Int32(data, "index") ?? -1;
        StreamBodyJson.TryGetObject(data, "delta", out JsonElement delta);
        StreamBodyJson.TryGetObject(delta, "message", out JsonElement message);
        switch (StreamBodyJson.String(data, "type") ?? eventType)
        {
            case "content-delta":
                if (StreamBodyJson.TryGetObject(message, "content", out JsonElement content))
                {
                    if (StreamBodyJson.String(content, "thinking") is { Length: > 0 } thinking)
                    {
                        observer.OnReasoning(thinking);
                    }

                    if (StreamBodyJson.String(content, "text") is { Length: > 0 } text)
                    {
                        observer.OnText(text);
                    }
                }

                break;

            case "tool-plan-delta":
                if (StreamBodyJson.String(message, "tool_plan") is { Length: > 0 } plan)
                {
                    observer.OnReasoning(plan);
                }

                break;

            case "tool-call-start":
            case "tool-call-delta":
                if (message.ValueKind == JsonValueKind.Object && message.TryGetProperty("tool_calls", out JsonElement toolCall))
                {
                    if (toolCall.ValueKind == JsonValueKind.Array)
                    {
                        toolCall = toolCall.GetArrayLength() > 0 ? toolCall[0] : default;
                    }

                    StreamBodyJson.TryGetObject(toolCall, "function", out JsonElement function);
                    Calls.Append(
                        new ToolCallDelta(index, StreamBodyJson.String(toolCall, "id"), StreamBodyJson.String(function, "name"), StreamBodyJson.ArgumentsText(function, "arguments")),
                        EventOffset,
                        observer);
                }

                break;

            case "tool-call-end":
                Calls.End(index, null, EventOffset, observer);
                break;

            case "message-end":
                string finishReason = StreamBodyJson.String(delta, "finish_reason") ?? "COMPLETE";
                FinishAtStop(finishReason is "COMPLETE" or "TOOL_CALL" or "STOP_SEQUENCE", "finish_reason", finishReason, observer);

                break;

            default:
                if (data.TryGetProperty("error", out JsonElement error) && error.ValueKind != JsonValueKind.Null)
                {
                    ReportDiagnostic(observer, ProviderStreamDiagnosticCodes.ProviderError, "The provider reported an error: " + StreamBodyJson.ErrorMessage(error));
                }

                break;
        }
    }
}
