using System.Text.Json;

namespace ToolFlow.StreamParsers;

/// <summary>
/// Reads Ollama's native streamed chat body (<c>/api/chat</c>, newline-delimited JSON:
/// <c>{"message": {"content", "thinking", "tool_calls"}, "done": false}</c> ... <c>{"done": true}</c>); the
/// <c>response</c> text of <c>/api/generate</c> is read too.
/// </summary>
/// <remarks>
/// <para>
/// Ollama sends each tool call whole (<c>{"function": {"name", "arguments": {...}}}</c>, with an <c>id</c> in recent
/// versions), so each completes in the line that carries it; arguments sent as a JSON string are read too.
/// <c>content</c> is text and <c>thinking</c> is reasoning.
/// </para>
/// <para>
/// A line with <c>"done": true</c> ends the response; a <c>done_reason</c> other than <c>stop</c> (such as
/// <c>length</c>), an <c>error</c> line, or a body that ends before <c>done</c> is reported as a diagnostic.
/// </para>
/// </remarks>
internal sealed class OllamaStreamParser : StreamBodyParser
{
    private readonly StreamBodyWholeCalls _calls;
    private readonly OllamaTextEventReader _textReader = new();
    private bool _isDone;

    /// <summary>Initializes a parser for one response.</summary>
    /// <param name="options">Limits, or <see langword="null"/> for <see cref="ToolCallParserOptions.Default"/>.</param>
    public OllamaStreamParser(ToolCallParserOptions? options = null)
        : base(options)
    {
        _calls = new StreamBodyWholeCalls(Options);
    }

    /// <summary>The format's registry name: <c>ollama</c>.</summary>
    public override string Format => "ollama";

    /// <inheritdoc/>
    protected override void OnEvent(string? eventType, JsonElement data, IToolCallParserObserver observer)
    {
        if (data.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        if (data.TryGetProperty("error", out JsonElement error) && error.ValueKind != JsonValueKind.Null)
        {
            ReportDiagnostic(observer, ProviderStreamDiagnosticCodes.ProviderError, "The provider reported an error: " + StreamBodyJson.ErrorMessage(error));
        }

        if (StreamBodyJson.TryGetObject(data, "message", out JsonElement message))
        {
            if (StreamBodyJson.String(message, "thinking") is { Length: > 0 } thinking)
            {
                observer.OnReasoning(thinking);
            }

            if (StreamBodyJson.String(message, "content") is { Length: > 0 } content)
            {
                observer.OnText(content);
            }

            if (StreamBodyJson.TryGetArray(message, "tool_calls", out JsonElement toolCalls))
            {
                foreach (JsonElement toolCall in toolCalls.EnumerateArray())
                {
                    ReadToolCall(toolCall, observer);
                }
            }
        }
        else
        {
            if (StreamBodyJson.String(data, "thinking") is { Length: > 0 } thinking)
            {
                observer.OnReasoning(thinking);
            }

            if (StreamBodyJson.String(data, "response") is { Length: > 0 } response)
            {
                observer.OnText(response);
            }
        }

        if (StreamBodyJson.IsTrue(data, "done") && !_isDone)
        {
            _isDone = true;
            if (StreamBodyJson.String(data, "done_reason") is { } reason && reason != "stop")
            {
                ReportDiagnostic(observer, ProviderStreamDiagnosticCodes.ResponseStopped, $"The provider stopped the response early (done_reason '{reason}').");
            }
        }
    }

    /// <inheritdoc/>
    protected override bool TryReadEvent(string? eventType, ReadOnlySpan<byte> json, IToolCallParserObserver observer)
    {
        if (!_textReader.TryRead(json))
        {
            return false;
        }

        // The same order as OnEvent.
        if (_textReader.Thinking is { IsEmpty: false } thinking)
        {
            observer.OnReasoning(thinking);
        }

        if (_textReader.Content is { IsEmpty: false } content)
        {
            observer.OnText(content);
        }

        return true;
    }

    /// <inheritdoc/>
    protected override void OnEnd(IToolCallParserObserver observer)
    {
        if (!_isDone)
        {
            ReportDiagnostic(observer, ProviderStreamDiagnosticCodes.StreamTruncated, "The stream ended before the provider said it was done.");
        }
    }

    private void ReadToolCall(JsonElement toolCall, IToolCallParserObserver observer)
    {
        if (_isDone)
        {
            ReportDiagnostic(observer, ProviderStreamDiagnosticCodes.CallAfterEnd, "A tool call came after the response was done; it is ignored.");
            return;
        }

        StreamBodyJson.TryGetObject(toolCall, "function", out JsonElement function);
        if (StreamBodyJson.String(function, "name") is not { Length: > 0 } name)
        {
            ReportDiagnostic(observer, ParserDiagnosticCodes.CallMissingName, "A tool call has no name; it is dropped.");
            return;
        }

        string? id = StreamBodyJson.String(toolCall, "id");
        int index = _calls.Start(id, name, EventOffset, observer);
        if (index >= 0)
        {
            string arguments = StreamBodyJson.ArgumentsText(function, "arguments") is { } text && !string.IsNullOrWhiteSpace(text) ? text : JsonArguments.Empty;
            _calls.Complete(index, id, name, arguments, ToolCallCompletionReason.JsonClosed, EventOffset, observer);
        }
    }
}
