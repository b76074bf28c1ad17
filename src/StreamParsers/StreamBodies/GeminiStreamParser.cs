using System.Text.Json;

namespace ToolFlow.StreamParsers;

/// <summary>
/// Reads a Gemini <c>streamGenerateContent</c> body, from the Gemini API or Vertex AI: server-sent events
/// (<c>alt=sse</c>), the default streamed JSON array, or one response per line.
/// </summary>
/// <remarks>
/// <para>
/// A <c>functionCall</c> part with a name and its <c>args</c> is a whole call: it completes in the event that carries
/// it. Gemini 3 can stream a call's arguments instead: a part <c>{"name", "willContinue": true}</c> starts the call,
/// parts with <c>partialArgs</c> (<c>{"jsonPath": "$.a.b[0]", "stringValue" | "numberValue" | "boolValue" |
/// "nullValue", "willContinue"}</c>) set its values, a string piece with <c>willContinue</c> being continued by the
/// next piece at the same path, and the call completes at the first <c>functionCall</c> part without
/// <c>willContinue</c> (usually an empty <c>{}</c>), at the next call's start, at <c>finishReason</c>
/// <c>STOP</c>, or, when none of those arrives, at the end of the body. Its arguments are reported in one piece when
/// it completes. Text parts are text, and those marked <c>thought</c> are reasoning.
/// </para>
/// <para>
/// A <c>finishReason</c> other than <c>STOP</c> (<c>MAX_TOKENS</c>, <c>SAFETY</c>, <c>MALFORMED_FUNCTION_CALL</c>, ...)
/// aborts a call whose arguments are still streaming, with a diagnostic. Only the first candidate is read.
/// </para>
/// </remarks>
internal sealed class GeminiStreamParser : StreamBodyParser
{
    private readonly StreamBodyWholeCalls _calls;
    private readonly GeminiTextEventReader _textReader = new();
    private StreamingCall? _streaming;
    private bool _isFinished;
    private bool _candidateIgnoredReported;

    /// <summary>Initializes a parser for one response.</summary>
    /// <param name="options">Limits, or <see langword="null"/> for <see cref="ToolCallParserOptions.Default"/>.</param>
    public GeminiStreamParser(ToolCallParserOptions? options = null)
        : base(options)
    {
        _calls = new StreamBodyWholeCalls(Options);
    }

    /// <summary>The format's registry name: <c>gemini</c>.</summary>
    public override string Format => "gemini";

    /// <inheritdoc/>
    protected override void OnEvent(string? eventType, JsonElement data, IToolCallParserObserver observer)
    {
        if (data.ValueKind == JsonValueKind.Array)
        {
            // A whole streamed array given as one event.
            foreach (JsonElement response in data.EnumerateArray())
            {
                ReadResponse(response, observer);
            }
        }
        else
        {
            ReadResponse(data, observer);
        }
    }

    /// <inheritdoc/>
    protected override bool TryReadEvent(string? eventType, ReadOnlySpan<byte> json, IToolCallParserObserver observer)
    {
        if (!_textReader.TryRead(json))
        {
            return false;
        }

        for (int part = 0; part < _textReader.PartCount; part++)
        {
            ReadOnlySpan<char> text = _textReader.Text(part);
            if (text.IsEmpty)
            {
                continue;
            }

            if (_textReader.IsThought(part))
            {
                observer.OnReasoning(text);
            }
            else
            {
                observer.OnText(text);
            }
        }

        return true;
    }

    /// <inheritdoc/>
    protected override void OnEnd(IToolCallParserObserver observer)
    {
        if (!_isFinished)
        {
            ReportDiagnostic(observer, ProviderStreamDiagnosticCodes.StreamTruncated, "The stream ended without a finish reason.");
        }

        if (_streaming is { } call && call.Index >= 0)
        {
            _streaming = null;
            if (call.Arguments.HasOpenString)
            {
                StreamBodyWholeCalls.Abort(
                    call.Index,
                    ParserDiagnosticCodes.ArgumentsUnclosed,
                    $"The response ended while an argument of '{call.Name}' was still streaming.",
                    EventOffset,
                    observer);
            }
            else
            {
                _calls.Complete(call.Index, call.Id, call.Name, call.Arguments.ToJson(), ToolCallCompletionReason.EndOfStream, EventOffset, observer);
            }
        }
    }

    private void ReadResponse(JsonElement response, IToolCallParserObserver observer)
    {
        if (response.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        if (response.TryGetProperty("error", out JsonElement error) && error.ValueKind != JsonValueKind.Null)
        {
            ReportDiagnostic(observer, ProviderStreamDiagnosticCodes.ProviderError, "The provider reported an error: " + StreamBodyJson.ErrorMessage(error));
        }

        if (StreamBodyJson.TryGetArray(response, "candidates", out JsonElement candidates))
        {
            foreach (JsonElement candidate in candidates.EnumerateArray())
            {
                ReadCandidate(candidate, observer);
            }
        }

        if (StreamBodyJson.TryGetObject(response, "promptFeedback", out JsonElement feedback) && StreamBodyJson.String(feedback, "blockReason") is { } blockReason)
        {
            Finish("prompt blocked: " + blockReason, observer);
        }
    }

    private void ReadCandidate(JsonElement candidate, IToolCallParserObserver observer)
    {
        if (StreamBodyJson.Int32(candidate, "index") is int index && index != 0)
        {
            if (!_candidateIgnoredReported)
            {
                _candidateIgnoredReported = true;
                ReportDiagnostic(observer, ProviderStreamDiagnosticCodes.ChoiceIgnored, "The response has more than one candidate; only the first is read.");
            }

            return;
        }

        if (StreamBodyJson.TryGetObject(candidate, "content", out JsonElement content) && StreamBodyJson.TryGetArray(content, "parts", out JsonElement parts))
        {
            foreach (JsonElement part in parts.EnumerateArray())
            {
                if (StreamBodyJson.TryGetObject(part, "functionCall", out JsonElement functionCall))
                {
                    ReadFunctionCall(functionCall, observer);
                }
                else if (StreamBodyJson.String(part, "text") is { Length: > 0 } text)
                {
                    if (StreamBodyJson.IsTrue(part, "thought"))
                    {
                        observer.OnReasoning(text);
                    }
                    else
                    {
                        observer.OnText(text);
                    }
                }
            }
        }

        if (StreamBodyJson.String(candidate, "finishReason") is { } finishReason && finishReason != "FINISH_REASON_UNSPECIFIED")
        {
            Finish(finishReason, observer);
        }
    }

    private void ReadFunctionCall(JsonElement functionCall, IToolCallParserObserver observer)
    {
        string? name = StreamBodyJson.String(functionCall, "name");
        bool willContinue = StreamBodyJson.IsTrue(functionCall, "willContinue");
        bool hasPartialArgs = StreamBodyJson.TryGetArray(functionCall, "partialArgs", out JsonElement partialArgs);
        if (_isFinished)
        {
            if (!string.IsNullOrEmpty(name) || hasPartialArgs)
            {
                ReportDiagnostic(observer, ProviderStreamDiagnosticCodes.CallAfterEnd, "A function call came after the response finished; it is ignored.");
            }

            return;
        }

        if (string.IsNullOrEmpty(name))
        {
            if (_streaming is null)
            {
                if (hasPartialArgs || functionCall.TryGetProperty("args", out _))
                {
                    ReportDiagnostic(observer, ParserDiagnosticCodes.CallMissingName, "A function call part without a name, and no call streaming, is ignored.");
                }

                return;
            }

            if (hasPartialArgs)
            {
                Apply(_streaming, partialArgs, observer);
            }

            if (!willContinue)
            {
                CompleteStreaming(ToolCallCompletionReason.EndMarker, observer);
            }

            return;
        }

        CompleteStreaming(ToolCallCompletionReason.NextCall, observer);
        string? id = StreamBodyJson.String(functionCall, "id");
        int index = _calls.Start(id, name, EventOffset, observer);
        if (willContinue)
        {
            _streaming = new StreamingCall(index, id, name, new GeminiArgumentsBuilder(Options.MaxDepth, Options.MaxArgumentsLength));
            if (hasPartialArgs)
            {
                Apply(_streaming, partialArgs, observer);
            }

            return;
        }

        if (index < 0)
        {
            return;
        }

        if (hasPartialArgs)
        {
            var call = new StreamingCall(index, id, name, new GeminiArgumentsBuilder(Options.MaxDepth, Options.MaxArgumentsLength));
            if (Apply(call, partialArgs, observer))
            {
                _calls.Complete(index, id, name, call.Arguments.ToJson(), ToolCallCompletionReason.JsonClosed, EventOffset, observer);
            }

            return;
        }

        string arguments = StreamBodyJson.TryGetObject(functionCall, "args", out JsonElement args) ? args.GetRawText() : JsonArguments.Empty;
        _calls.Complete(index, id, name, arguments, ToolCallCompletionReason.JsonClosed, EventOffset, observer);
    }

    // Applies streamed arguments; on an error the call is aborted and the rest of it ignored.
    private bool Apply(StreamingCall call, JsonElement partialArgs, IToolCallParserObserver observer)
    {
        if (call.Index < 0)
        {
            return false;
        }

        foreach (JsonElement partial in partialArgs.EnumerateArray())
        {
            string? error = call.Arguments.Apply(partial, out string? code);
            if (error is not null)
            {
                StreamBodyWholeCalls.Abort(call.Index, code!, $"The call to '{call.Name}' cannot run: {error}", EventOffset, observer);
                call.Index = -1;
                return false;
            }
        }

        return true;
    }

    private void CompleteStreaming(ToolCallCompletionReason reason, IToolCallParserObserver observer)
    {
        if (_streaming is not { } call)
        {
            return;
        }

        _streaming = null;
        if (call.Index >= 0)
        {
            _calls.Complete(call.Index, call.Id, call.Name, call.Arguments.ToJson(), reason, EventOffset, observer);
        }
    }

    private void Finish(string finishReason, IToolCallParserObserver observer)
    {
        if (_isFinished)
        {
            return;
        }

        _isFinished = true;
        if (finishReason == "STOP")
        {
            CompleteStreaming(ToolCallCompletionReason.ProviderStop, observer);
            return;
        }

        ReportDiagnostic(
            observer,
            ProviderStreamDiagnosticCodes.ResponseStopped,
            $"The provider stopped the response early (finishReason '{finishReason}'); a call still streaming is dropped.");
        if (_streaming is { } call)
        {
            _streaming = null;
            if (call.Index >= 0)
            {
                StreamBodyWholeCalls.Abort(
                    call.Index,
                    ParserDiagnosticCodes.CallUnterminated,
                    $"The call to '{call.Name}' cannot run: the response stopped ({finishReason}) before it was complete.",
                    EventOffset,
                    observer);
            }
        }
    }

    private sealed class StreamingCall(int index, string? id, string name, GeminiArgumentsBuilder arguments)
    {
        // -1 once the call is dropped or aborted: its remaining pieces are ignored.
        public int Index { get; set; } = index;

        public string? Id => id;

        public string Name => name;

        public GeminiArgumentsBuilder Arguments => arguments;
    }
}
