using System.Text.Json;

namespace ToolFlow.StreamParsers;

/// <summary>What a <c>content_block_delta</c> event carries.</summary>
internal enum AnthropicDeltaKind : byte
{
    /// <summary><c>text_delta</c>: text.</summary>
    Text,

    /// <summary><c>thinking_delta</c>: reasoning.</summary>
    Thinking,

    /// <summary><c>input_json_delta</c>: a piece of a tool block's input.</summary>
    InputJson,
}

/// <summary>
/// Reads Anthropic's most frequent event, <c>content_block_delta</c> with a text, thinking or input JSON delta,
/// straight from its UTF-8 with <see cref="Utf8JsonReader"/>, without building a document; text is unescaped into a
/// reused buffer instead of a string.
/// </summary>
/// <remarks>
/// It only collects. Any other event, another delta type, a repeated member or invalid JSON makes
/// <see cref="TryRead"/> return <see langword="false"/>, and the parser reads the event with a document as before.
/// Owned by one parser.
/// </remarks>
internal sealed class AnthropicDeltaEventReader
{
    private readonly EventTextBuffer _text = new();
    private (int Start, int Length) _value;

    [Flags]
    private enum Seen
    {
        None = 0,
        Type = 1,
        Index = 2,
        Delta = 4,
        Value = 8,
    }

    /// <summary>The block index, or -1 when the event has none.</summary>
    public int Index { get; private set; }

    /// <summary>What the delta carries.</summary>
    public AnthropicDeltaKind Kind { get; private set; }

    /// <summary>The text or reasoning, empty when none.</summary>
    public ReadOnlySpan<char> Text => _text[_value];

    /// <summary>The input JSON piece, or <see langword="null"/> when it is not a string.</summary>
    public string? PartialJson { get; private set; }

    /// <summary>Reads one event.</summary>
    /// <param name="eventType">The SSE event type, used when the data has no <c>type</c>.</param>
    /// <param name="json">The event's JSON.</param>
    /// <returns>Whether the event is a content block delta the reader takes.</returns>
    public bool TryRead(string? eventType, ReadOnlySpan<byte> json)
    {
        Index = -1;
        PartialJson = null;
        _value = EventTextBuffer.None;
        _text.Clear();
        try
        {
            var reader = new Utf8JsonReader(json);
            return reader.Read() && reader.TokenType == JsonTokenType.StartObject && ReadEvent(ref reader, eventType) && !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private bool ReadEvent(ref Utf8JsonReader reader, string? eventType)
    {
        Seen seen = Seen.None;
        bool? isDelta = null;
        bool hasDelta = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("type"u8))
            {
                if (!SeenMembers.First(ref seen, Seen.Type) || !reader.Read())
                {
                    return false;
                }

                // A type that is not a string counts as none, as the document's reading has it.
                isDelta = reader.TokenType == JsonTokenType.String ? reader.ValueTextEquals("content_block_delta"u8) : null;
                reader.Skip();
            }
            else if (reader.ValueTextEquals("index"u8))
            {
                if (!SeenMembers.First(ref seen, Seen.Index) || !reader.Read())
                {
                    return false;
                }

                Index = reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out int index) ? index : -1;
                reader.Skip();
            }
            else if (reader.ValueTextEquals("delta"u8))
            {
                if (!SeenMembers.First(ref seen, Seen.Delta) || !reader.Read() || reader.TokenType != JsonTokenType.StartObject || !ReadDelta(ref reader))
                {
                    return false;
                }

                hasDelta = true;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return reader.TokenType == JsonTokenType.EndObject && hasDelta && (isDelta ?? eventType == "content_block_delta");
    }

    private bool ReadDelta(ref Utf8JsonReader reader)
    {
        Seen seen = Seen.None;
        AnthropicDeltaKind? kind = null;
        (int Start, int Length) text = EventTextBuffer.None;
        (int Start, int Length) thinking = EventTextBuffer.None;
        string? partialJson = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("type"u8))
            {
                if (!SeenMembers.First(ref seen, Seen.Type) || !reader.Read() || reader.TokenType != JsonTokenType.String)
                {
                    return false;
                }

                kind = reader.ValueTextEquals("text_delta"u8) ? AnthropicDeltaKind.Text
                    : reader.ValueTextEquals("thinking_delta"u8) ? AnthropicDeltaKind.Thinking
                    : reader.ValueTextEquals("input_json_delta"u8) ? AnthropicDeltaKind.InputJson
                    : null;
                if (kind is null)
                {
                    return false;
                }
            }
            else if (reader.ValueTextEquals("text"u8) || reader.ValueTextEquals("thinking"u8) || reader.ValueTextEquals("partial_json"u8))
            {
                // One of the three per delta: a delta with two is for the document.
                bool isText = reader.ValueTextEquals("text"u8);
                bool isThinking = !isText && reader.ValueTextEquals("thinking"u8);
                if (!SeenMembers.First(ref seen, Seen.Value) || !reader.Read())
                {
                    return false;
                }

                if (reader.TokenType != JsonTokenType.String)
                {
                    reader.Skip();
                }
                else if (isText)
                {
                    text = _text.Read(ref reader);
                }
                else if (isThinking)
                {
                    thinking = _text.Read(ref reader);
                }
                else
                {
                    partialJson = reader.GetString();
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject || kind is not AnthropicDeltaKind found)
        {
            return false;
        }

        Kind = found;
        _value = found == AnthropicDeltaKind.Text ? text : thinking;
        PartialJson = partialJson;
        return true;
    }
}
