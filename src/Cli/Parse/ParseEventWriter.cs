using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using ToolFlow.StreamParsers;

namespace ToolFlow.Cli.Parse;

/// <summary>
/// Writes what a parser reports as JSON lines: <c>call</c>, <c>text</c>, <c>reasoning</c>, <c>aborted</c> and
/// <c>diagnostic</c> events. Consecutive text (or reasoning) is joined into one line, so the output is the same
/// however the input was chunked. Lines are buffered until <see cref="FlushAsync"/>.
/// </summary>
internal sealed class ParseEventWriter(TextWriter output) : IToolCallParserObserver
{
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

        _run.Append(text);
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
        WriteLine(writer =>
        {
            writer.WriteString("event", eventName);
            writer.WriteString("text", text);
        });
    }

    private void WriteLine(Action<Utf8JsonWriter> write)
    {
        if (_runEvent is not null)
        {
            EndRun();
        }

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
