using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using ToolFlow.StreamParsers;

namespace ToolFlow.Cli.Parse;

/// <summary>
/// Writes what a parser reports as JSON lines: <c>call</c>, <c>text</c>, <c>reasoning</c>, <c>aborted</c> and
/// <c>diagnostic</c> events. Consecutive text (or reasoning) is joined, then cut into lines of at most
/// <see cref="MaxTextLength"/> characters counted from the start of the run, so the output is the same however the
/// input was chunked and a long stretch of text is never held whole. Lines are buffered until <see cref="FlushAsync"/>.
/// </summary>
internal sealed class ParseEventWriter(TextWriter output) : IToolCallParserObserver
{
    /// <summary>
    /// The most characters one <c>text</c> or <c>reasoning</c> line carries; a longer run continues on the next line
    /// (a line ends one character early rather than split a surrogate pair).
    /// </summary>
    public const int MaxTextLength = 64 * 1024;

    private static readonly JsonWriterOptions s_options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly ArrayBufferWriter<byte> _buffer = new();
    private readonly StringBuilder _lines = new();
    private readonly StringBuilder _run = new();
    private string? _runEvent;

    public void OnText(ReadOnlySpan<char> text) => AppendRun("text", text);

    public void OnReasoning(ReadOnlySpan<char> text) => AppendRun("reasoning", text);

    public void OnCallStarted(int index, string? id, string name)
    {
    }

    public void OnArgumentsDelta(int index, ReadOnlySpan<char> fragment)
    {
    }

    public void OnCallCompleted(ParsedToolCall call)
    {
        WriteLine(writer =>
        {
            writer.WriteString("event", "call");
            writer.WriteNumber("index", call.Index);
            writer.WriteString("id", call.Id);
            writer.WriteString("name", call.Name);
            if (call.Arguments is JsonElement arguments)
            {
                writer.WritePropertyName("arguments");
                arguments.WriteTo(writer);
            }
            else
            {
                writer.WriteString("arguments", call.ArgumentsJson);
                writer.WriteString("error", call.Error);
            }

            writer.WriteNumber("offset", call.Offset);
        });
    }

    public void OnCallAborted(int index, string reason)
    {
        WriteLine(writer =>
        {
            writer.WriteString("event", "aborted");
            writer.WriteNumber("index", index);
            writer.WriteString("reason", reason);
        });
    }

    public void OnDiagnostic(ParserDiagnostic diagnostic)
    {
        WriteLine(writer =>
        {
            writer.WriteString("event", "diagnostic");
            writer.WriteString("code", diagnostic.Code);
            writer.WriteString("message", diagnostic.Message);
            writer.WriteNumber("offset", diagnostic.Offset);
        });
    }

    /// <summary>Writes the buffered lines, ending a pending text or reasoning line first when <paramref name="final"/>.</summary>
    public async Task FlushAsync(bool final, CancellationToken cancellationToken)
    {
        if (final)
        {
            EndRun();
        }

        if (_lines.Length > 0)
        {
            await output.WriteAsync(_lines, cancellationToken).ConfigureAwait(false);
            _lines.Clear();
        }

        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private void AppendRun(string eventName, ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return;
        }

        if (!string.Equals(_runEvent, eventName, StringComparison.Ordinal))
        {
            EndRun();
            _runEvent = eventName;
        }

        while (!text.IsEmpty)
        {
            int take = Math.Min(MaxTextLength - _run.Length, text.Length);
            _run.Append(text[..take]);
            text = text[take..];
            if (_run.Length == MaxTextLength)
            {
                WritePiece();
            }
        }
    }

    // Writes a full run's piece and keeps the run open; a high surrogate at its end waits for its pair.
    private void WritePiece()
    {
        char last = _run[^1];
        bool keepLast = char.IsHighSurrogate(last);
        if (keepLast)
        {
            _run.Length--;
        }

        string text = _run.ToString();
        _run.Clear();
        if (keepLast)
        {
            _run.Append(last);
        }

        WriteRunLine(_runEvent!, text);
    }

    private void EndRun()
    {
        if (_runEvent is null)
        {
            return;
        }

        string eventName = _runEvent;
        string text = _run.ToString();
        _runEvent = null;
        _run.Clear();
        if (text.Length > 0)
        {
            WriteRunLine(eventName, text);
        }
    }

    private void WriteRunLine(string eventName, string text) => Write(writer =>
    {
        writer.WriteString("event", eventName);
        writer.WriteString("text", text);
    });

    private void WriteLine(Action<Utf8JsonWriter> write)
    {
        if (_runEvent is not null)
        {
            EndRun();
        }

        Write(write);
    }

    private void Write(Action<Utf8JsonWriter> write)
    {
        _buffer.ResetWrittenCount();
        using (var writer = new Utf8JsonWriter(_buffer, s_options))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }

        _lines.Append(Encoding.UTF8.GetString(_buffer.WrittenSpan)).Append('\n');
    }
}
