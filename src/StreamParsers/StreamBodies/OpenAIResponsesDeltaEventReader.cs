using System.Text.Json;

namespace ToolFlow.StreamParsers;

/// <summary>What a Responses delta event carries.</summary>
internal enum ResponsesDeltaKind : byte
{
    /// <summary><c>response.output_text.delta</c> or <c>response.refusal.delta</c>.</summary>
    Text,

    /// <summary><c>response.reasoning_summary_text.delta</c> or <c>response.reasoning_text.delta</c>.</summary>
    Reasoning,

    /// <summary><c>response.function_call_arguments.delta</c>.</summary>
    Arguments,
}

/// <summary>
/// Reads the Responses events that stream text, reasoning or call arguments (nearly every event of a response)
/// straight from their UTF-8 with <see cref="Utf8JsonReader"/>, without building a document: other members are
/// skipped and the delta is unescaped into a reused buffer.
/// </summary>
/// <remarks>
/// Anything else (another event type, a <c>type</c> member missing or not a string, a member it reads repeated or of
/// an unusual kind, invalid JSON) makes <see cref="TryRead"/> return <see langword="false"/>, and the parser reads the
/// event with a document as before. It only collects; the parser reports. Owned by one parser.
/// </remarks>
internal sealed class OpenAIResponsesDeltaEventReader
{
    private readonly EventTextBuffer _text = new();
    private (int Start, int Length) _delta;

    [Flags]
    private enum Seen
    {
        None = 0,
        Type = 1,
        ItemId = 2,
        OutputIndex = 4,
        Delta = 8,
    }

    /// <summary>What the event streams.</summary>
    public ResponsesDeltaKind Kind { get; private set; }

    /// <summary>The delta's text.</summary>
    public ReadOnlySpan<char> Delta => _text[_delta];

    /// <summary>The event's <c>output_index</c>, or -1 when it has none.</summary>
    public int OutputIndex { get; private set; }

    /// <summary>The event's <c>item_id</c>, or <see langword="null"/>; the same string while events repeat it.</summary>
    public string? ItemId { get; private set; }

    /// <summary>Reads one event.</summary>
    /// <param name="json">The event's JSON.</param>
    /// <returns>Whether the event was a delta of the usual shape and was read.</returns>
    public bool TryRead(ReadOnlySpan<byte> json)
    {
        _text.Clear();
        _delta = EventTextBuffer.None;
        OutputIndex = -1;
        string? lastItemId = ItemId;
        ItemId = null;
        try
        {
            var reader = new Utf8JsonReader(json);
            return reader.Read() && reader.TokenType == JsonTokenType.StartObject && ReadEvent(ref reader, lastItemId) && !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private bool ReadEvent(ref Utf8JsonReader reader, string? lastItemId)
    {
        Seen seen = Seen.None;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("type"u8))
            {
                if (!SeenMembers.First(ref seen, Seen.Type) || !reader.Read() || reader.TokenType != JsonTokenType.String)
                {
                    return false;
                }

                if (reader.ValueTextEquals("response.output_text.delta"u8) || reader.ValueTextEquals("response.refusal.delta"u8))
                {
                    Kind = ResponsesDeltaKind.Text;
                }
                else if (reader.ValueTextEquals("response.function_call_arguments.delta"u8))
                {
                    Kind = ResponsesDeltaKind.Arguments;
                }
                else if (reader.ValueTextEquals("response.reasoning_summary_text.delta"u8) || reader.ValueTextEquals("response.reasoning_text.delta"u8))
                {
                    Kind = ResponsesDeltaKind.Reasoning;
                }
                else
                {
                    return false;
                }
            }
            else if (reader.ValueTextEquals("delta"u8))
            {
                if (!SeenMembers.First(ref seen, Seen.Delta) || !reader.Read() || reader.TokenType != JsonTokenType.String)
                {
                    return false;
                }

                _delta = _text.Read(ref reader);
            }
            else if (reader.ValueTextEquals("item_id"u8))
            {
                if (!SeenMembers.First(ref seen, Seen.ItemId) || !reader.Read() || reader.TokenType != JsonTokenType.String)
                {
                    return false;
                }

                ItemId = lastItemId is not null && reader.ValueTextEquals(lastItemId) ? lastItemId : reader.GetString();
            }
            else if (reader.ValueTextEquals("output_index"u8))
            {
                if (!SeenMembers.First(ref seen, Seen.OutputIndex) || !reader.Read() || reader.TokenType != JsonTokenType.Number ||
                    !reader.TryGetInt32(out int index))
                {
                    return false;
                }

                OutputIndex = index;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        // An arguments delta needs its output index: finding it by item id alone is the document's way.
        const Seen Needed = Seen.Type | Seen.Delta;
        return reader.TokenType == JsonTokenType.EndObject && (seen & Needed) == Needed &&
            (Kind != ResponsesDeltaKind.Arguments || (seen & Seen.OutputIndex) != 0);
    }
}
