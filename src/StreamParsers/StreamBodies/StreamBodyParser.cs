using System.Buffers;
using System.Text;
using System.Text.Json;

namespace ToolFlow.StreamParsers;

/// <summary>
/// The base of the parsers that read a provider's raw streamed response body (OpenAI, Anthropic, Gemini, ...) as it
/// arrives over HTTP: it frames the body into events and hands each event's JSON to the derived class.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="Append"/> takes the body in chunks of any size, cut anywhere. Three shapes are framed, told apart by
/// the body itself: server-sent events (<c>data:</c> lines, multi-line data, comments, <c>event:</c> lines, CR, LF or
/// CRLF line ends, the <c>[DONE]</c> sentinel), newline-delimited JSON (one payload per line, as Ollama streams and as
/// SSE recordings are often stored), and a streamed JSON array (Gemini without <c>alt=sse</c>). An SSE event is
/// complete at the line end of the blank line after it; a JSON payload at its closing brace. A body that ends without
/// that final blank line still has its last event read. Each character is read once: the cost is O(n) whatever the
/// chunking, and only the event being read is kept.
/// </para>
/// <para>
/// Offsets (<see cref="ParsedToolCall.Offset"/>, <see cref="ParserDiagnostic.Offset"/>) are positions in the body,
/// in characters: just past the character that completed the event that completed the call (<see cref="EventOffset"/>),
/// or the body's length for what <see cref="Complete"/> decides. They do not depend on the chunking.
/// </para>
/// <para>
/// Events framed elsewhere (for example by <see cref="System.Net.ServerSentEvents.SseParser"/>, as
/// <see cref="ProviderStreamReader"/> does) go to <see cref="AppendEvent"/> instead; use one or the other for a
/// response. To read a provider of your own, derive from this class, read each event in <see cref="OnEvent"/> and
/// report calls to the observer as soon as they are complete.
/// </para>
/// <para>
/// Events that are not valid JSON, events longer than four times <see cref="ToolCallParserOptions.MaxArgumentsLength"/>
/// plus 1 MiB, and text outside any event (lines that are neither SSE fields nor JSON, text after a JSON payload on
/// its line; reported once) are reported as diagnostics (<see cref="ProviderStreamDiagnosticCodes"/>) and skipped. A
/// parser is not thread-safe; use one per response.
/// </para>
/// </remarks>
internal abstract class StreamBodyParser : ToolCallTextParser
{
    private const int SnippetLength = 80;

    private readonly StreamBodyEventFramer _framer;
    private readonly JsonDocumentOptions _documentOptions;
    private readonly int _maxEventLength;
    private byte[]? _utf8;
    private bool _isCompleted;
    private bool _isUnexpectedTextReported;

    /// <summary>Initializes the parser.</summary>
    /// <param name="options">Limits, or <see langword="null"/> for <see cref="ToolCallParserOptions.Default"/>.</param>
    protected StreamBodyParser(ToolCallParserOptions? options)
        : base(options)
    {
        _maxEventLength = (int)Math.Min((4L * Options.MaxArgumentsLength) + (1 << 20), Array.MaxLength / 4);

        // The arguments sit a few levels down in the event's envelope.
        _documentOptions = new JsonDocumentOptions { MaxDepth = Math.Max(64, Options.MaxDepth + 32) };
        _framer = new StreamBodyEventFramer(_maxEventLength);
    }

    /// <summary>
    /// The body position just past the character that completed the event being read; during <see cref="OnEnd"/>,
    /// the body's length. Use it as the offset of what the event completes.
    /// </summary>
    protected long EventOffset { get; private set; }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException"><see cref="Complete"/> was already called.</exception>
    public sealed override void Append(ReadOnlySpan<char> chunk, IToolCallParserObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        ThrowIfCompleted();
        while (!chunk.IsEmpty)
        {
            int used = _framer.Advance(chunk, out StreamBodyFrameSignal signal, out ReadOnlySpan<char> data);
            Position += used;
            chunk = chunk[used..];
            if (signal == StreamBodyFrameSignal.Event)
            {
                EventOffset = Position;
                DispatchFramed(data, observer);
            }
            else if (signal == StreamBodyFrameSignal.UnexpectedText && !_isUnexpectedTextReported)
            {
                // Reported once: a body in the wrong format would otherwise report every line.
                _isUnexpectedTextReported = true;
                observer.OnDiagnostic(new ParserDiagnostic(
                    ProviderStreamDiagnosticCodes.UnexpectedText,
                    "Text outside any event is ignored (only its first occurrence is reported).",
                    Position - 1));
            }
        }
    }

    /// <summary>
    /// Reads one event that was framed elsewhere, for example by <see cref="System.Net.ServerSentEvents.SseParser"/>.
    /// </summary>
    /// <param name="eventType">The SSE event type, or <see langword="null"/>.</param>
    /// <param name="data">The event's data, as UTF-8: a JSON value, or <c>[DONE]</c>.</param>
    /// <param name="observer">Receives what the event starts, streams or completes.</param>
    /// <remarks>
    /// <see cref="ToolCallTextParser.Position"/> grows by the data's length in characters plus one for each event, so
    /// offsets count data characters rather than body characters.
    /// </remarks>
    /// <exception cref="InvalidOperationException"><see cref="Complete"/> was already called.</exception>
    public void AppendEvent(string? eventType, ReadOnlySpan<byte> data, IToolCallParserObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        ThrowIfCompleted();
        Position += Encoding.UTF8.GetCharCount(data) + 1;
        EventOffset = Position;
        data = data.Trim(" \t\r\n"u8);
        if (data.IsEmpty)
        {
            return;
        }

        if (data.SequenceEqual("[DONE]"u8))
        {
            OnDone(observer);
            return;
        }

        if (data.Length > _maxEventLength)
        {
            ReportTooLong(observer);
            return;
        }

        byte[] utf8 = RentUtf8(data.Length);
        data.CopyTo(utf8);
        DispatchJson(eventType, utf8.AsMemory(0, data.Length), observer);
    }

    /// <summary>Ends the body: reads a last event that lacks its final blank line, then ends the response (<see cref="OnEnd"/>).</summary>
    /// <param name="observer">Receives what the end of the body completes.</param>
    public sealed override void Complete(IToolCallParserObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        if (_isCompleted)
        {
            return;
        }

        _isCompleted = true;
        if (_framer.Flush())
        {
            EventOffset = Position;
            DispatchFramed(_framer.Data, observer);
        }

        EventOffset = Position;
        OnEnd(observer);
        _framer.Release();
        if (_utf8 is not null)
        {
            ArrayPool<byte>.Shared.Return(_utf8);
            _utf8 = null;
        }
    }

    /// <summary>Reads one event. The element is valid only during the call; clone what you keep.</summary>
    /// <param name="eventType">The SSE <c>event:</c> type, or <see langword="null"/> when the event has none.</param>
    /// <param name="data">The event's JSON.</param>
    /// <param name="observer">Receives what the event starts, streams or completes.</param>
    protected abstract void OnEvent(string? eventType, JsonElement data, IToolCallParserObserver observer);

    /// <summary>
    /// Reads one event straight from its JSON, before any document is built, when the derived class has a faster way
    /// for the usual shape. It must report nothing unless it returns <see langword="true"/>; by default it declines.
    /// </summary>
    /// <param name="eventType">The SSE <c>event:</c> type, or <see langword="null"/>.</param>
    /// <param name="json">The event's data, as UTF-8.</param>
    /// <param name="observer">Receives what the event starts, streams or completes.</param>
    /// <returns>Whether the event was read; when not, <see cref="OnEvent"/> reads it from a document.</returns>
    protected virtual bool TryReadEvent(string? eventType, ReadOnlySpan<byte> json, IToolCallParserObserver observer) => false;

    /// <summary>Reads the <c>[DONE]</c> sentinel that some providers send last. By default it is ignored.</summary>
    /// <param name="observer">Receives what the sentinel completes.</param>
    protected virtual void OnDone(IToolCallParserObserver observer)
    {
    }

    /// <summary>
    /// Ends the response, once, when the body ends: complete or abort the calls that are still open. Whether the
    /// provider said it was finished is for the derived class to know from the events it read.
    /// </summary>
    /// <param name="observer">Receives what the end completes.</param>
    protected abstract void OnEnd(IToolCallParserObserver observer);

    /// <summary>Reports a diagnostic at <see cref="EventOffset"/>.</summary>
    /// <param name="observer">The observer.</param>
    /// <param name="code">The code, from <see cref="ParserDiagnosticCodes"/> or <see cref="ProviderStreamDiagnosticCodes"/>.</param>
    /// <param name="message">A sentence for people.</param>
    protected void ReportDiagnostic(IToolCallParserObserver observer, string code, string message)
    {
        ArgumentNullException.ThrowIfNull(observer);
        observer.OnDiagnostic(new ParserDiagnostic(code, message, EventOffset));
    }

    private void ThrowIfCompleted()
    {
        if (_isCompleted)
        {
            throw new InvalidOperationException("The parser has already completed.");
        }
    }

    private void DispatchFramed(ReadOnlySpan<char> data, IToolCallParserObserver observer)
    {
        if (_framer.IsTooLong)
        {
            ReportTooLong(observer);
        }
        else
        {
            data = data.Trim(" \t\r\n");
            if (data.SequenceEqual("[DONE]"))
            {
                OnDone(observer);
            }
            else if (!data.IsEmpty)
            {
                byte[] utf8 = RentUtf8(Encoding.UTF8.GetMaxByteCount(data.Length));
                int length = Encoding.UTF8.GetBytes(data, utf8);
                DispatchJson(_framer.EventType, utf8.AsMemory(0, length), observer);
            }
        }

        _framer.ClearEvent();
    }

    private void DispatchJson(string? eventType, ReadOnlyMemory<byte> json, IToolCallParserObserver observer)
    {
        if (TryReadEvent(eventType, json.Span, observer))
        {
            return;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, _documentOptions);
        }
        catch (JsonException ex)
        {
            ReadOnlySpan<byte> head = json.Span[..Math.Min(json.Length, SnippetLength)];
            ReportDiagnostic(
                observer,
                ProviderStreamDiagnosticCodes.EventInvalidJson,
                $"An event is not valid JSON and is ignored ({ex.Message}): {Encoding.UTF8.GetString(head)}{(json.Length > SnippetLength ? "..." : string.Empty)}");
            return;
        }

        using (document)
        {
            OnEvent(eventType, document.RootElement, observer);
        }
    }

    private void ReportTooLong(IToolCallParserObserver observer) =>
        ReportDiagnostic(
            observer,
            ProviderStreamDiagnosticCodes.EventTooLong,
            $"An event is longer than {_maxEventLength} characters and is ignored.");

    private byte[] RentUtf8(int length)
    {
        if (_utf8 is null || _utf8.Length < length)
        {
            if (_utf8 is not null)
            {
                ArrayPool<byte>.Shared.Return(_utf8);
            }

            _utf8 = ArrayPool<byte>.Shared.Rent(Math.Max(length, 4096));
        }

        return _utf8;
    }
}
