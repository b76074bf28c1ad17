using System.Text.Json;

namespace ToolFlow.StreamParsers;

/// <summary>
/// Reads the usual Ollama <c>/api/chat</c> line (a <c>message</c> with <c>content</c> or <c>thinking</c>, not yet
/// done) straight from its UTF-8 with <see cref="Utf8JsonReader"/>, without building a document: other members are
/// skipped and the text is unescaped into a reused buffer.
/// </summary>
/// <remarks>
/// Anything else (tool calls, <c>done: true</c>, an <c>error</c>, a <c>message</c> that is not an object or is
/// missing, a member it reads repeated, invalid JSON) makes <see cref="TryRead"/> return <see langword="false"/>, and
/// the parser reads the line with a document as before. Owned by one parser.
/// </remarks>
internal sealed class OllamaTextEventReader
{
    private readonly EventTextBuffer _text = new();
    private (int Start, int Length) _content;
    private (int Start, int Length) _thinking;

    [Flags]
    private enum Seen
    {
        None = 0,
        Message = 1,
        Done = 2,
        Error = 4,
        Content = 8,
        Thinking = 16,
    }

    /// <summary>The message's <c>content</c>, empty when none.</summary>
    public ReadOnlySpan<char> Content => _text[_content];

    /// <summary>The message's <c>thinking</c>, empty when none.</summary>
    public ReadOnlySpan<char> Thinking => _text[_thinking];

    /// <summary>Reads one line.</summary>
    /// <param name="json">The line's JSON.</param>
    /// <returns>Whether the line had the usual shape and was read.</returns>
    public bool TryRead(ReadOnlySpan<byte> json)
    {
        _text.Clear();
        _content = _thinking = EventTextBuffer.None;
        try
        {
            var reader = new Utf8JsonReader(json);
            return reader.Read() && reader.TokenType == JsonTokenType.StartObject && ReadLine(ref reader) && !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private bool ReadLine(ref Utf8JsonReader reader)
    {
        Seen seen = Seen.None;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("message"u8))
            {
                if (!SeenMembers.First(ref seen, Seen.Message) || !reader.Read() || reader.TokenType != JsonTokenType.StartObject || !ReadMessage(ref reader))
                {
                    return false;
                }
            }
            else if (reader.ValueTextEquals("done"u8))
            {
                // Only a line that is not the last: the end is the document's to read.
                if (!SeenMembers.First(ref seen, Seen.Done) || !reader.Read() || reader.TokenType == JsonTokenType.True)
                {
                    return false;
                }

                reader.Skip();
            }
            else if (reader.ValueTextEquals("error"u8))
            {
                if (!SeenMembers.First(ref seen, Seen.Error) || !reader.Read() || reader.TokenType != JsonTokenType.Null)
                {
                    return false;
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return reader.TokenType == JsonTokenType.EndObject && (seen & Seen.Message) != 0;
    }

    private bool ReadMessage(ref Utf8JsonReader reader)
    {
        Seen seen = Seen.None;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("content"u8))
            {
                if (!SeenMembers.First(ref seen, Seen.Content) || !_text.TryReadMember(ref reader, out _content))
                {
                    return false;
                }
            }
            else if (reader.ValueTextEquals("thinking"u8))
            {
                if (!SeenMembers.First(ref seen, Seen.Thinking) || !_text.TryReadMember(ref reader, out _thinking))
                {
                    return false;
                }
            }
            else if (reader.ValueTextEquals("tool_calls"u8))
            {
                return false;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return reader.TokenType == JsonTokenType.EndObject;
    }
}
