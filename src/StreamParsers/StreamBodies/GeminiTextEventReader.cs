using System.Text.Json;

namespace ToolFlow.StreamParsers;

/// <summary>
/// Reads the usual Gemini chunk (one candidate whose parts are text or thoughts, no finish reason) straight from its
/// UTF-8 with <see cref="Utf8JsonReader"/>, without building a document: other members are skipped and the text is
/// unescaped into a reused buffer.
/// </summary>
/// <remarks>
/// Anything else (a function call, a finish reason, an error, prompt feedback, several candidates, a part or member
/// of an unusual kind, a member it reads repeated, invalid JSON) makes <see cref="TryRead"/> return
/// <see langword="false"/>, and the parser reads the chunk with a document as before. Owned by one parser.
/// </remarks>
internal sealed class GeminiTextEventReader
{
    // Parts one chunk may carry before it goes the document's way.
    private const int MaxParts = 8;

    private readonly EventTextBuffer _text = new();
    private readonly ((int Start, int Length) Range, bool IsThought)[] _parts = new ((int, int), bool)[MaxParts];

    [Flags]
    private enum Seen
    {
        None = 0,
        Candidates = 1,
        Content = 2,
        Parts = 4,
        Text = 8,
        Thought = 16,
        Index = 32,
    }

    /// <summary>How many parts the chunk had.</summary>
    public int PartCount { get; private set; }

    /// <summary>A part's text, empty when it had none.</summary>
    /// <param name="part">The part, from 0 to <see cref="PartCount"/>.</param>
    /// <returns>The text.</returns>
    public ReadOnlySpan<char> Text(int part) => _text[_parts[part].Range];

    /// <summary>Whether a part is a thought (reasoning).</summary>
    /// <param name="part">The part, from 0 to <see cref="PartCount"/>.</param>
    /// <returns>Whether its <c>thought</c> is <see langword="true"/>.</returns>
    public bool IsThought(int part) => _parts[part].IsThought;

    /// <summary>Reads one chunk.</summary>
    /// <param name="json">The chunk's JSON.</param>
    /// <returns>Whether the chunk had the usual shape and was read.</returns>
    public bool TryRead(ReadOnlySpan<byte> json)
    {
        _text.Clear();
        PartCount = 0;
        try
        {
            var reader = new Utf8JsonReader(json);
            return reader.Read() && reader.TokenType == JsonTokenType.StartObject && ReadResponse(ref reader) && !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private bool ReadResponse(ref Utf8JsonReader reader)
    {
        Seen seen = Seen.None;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("candidates"u8))
            {
                if (!SeenMembers.First(ref seen, Seen.Candidates) || !reader.Read() || reader.TokenType != JsonTokenType.StartArray)
                {
                    return false;
                }

                int count = 0;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (++count > 1 || reader.TokenType != JsonTokenType.StartObject || !ReadCandidate(ref reader))
                    {
                        return false;
                    }
                }
            }
            else if (reader.ValueTextEquals("error"u8) || reader.ValueTextEquals("promptFeedback"u8))
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

    private bool ReadCandidate(ref Utf8JsonReader reader)
    {
        Seen seen = Seen.None;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("content"u8))
            {
                if (!SeenMembers.First(ref seen, Seen.Content) || !reader.Read() || reader.TokenType != JsonTokenType.StartObject || !ReadContent(ref reader))
                {
                    return false;
                }
            }
            else if (reader.ValueTextEquals("index"u8))
            {
                if (!SeenMembers.First(ref seen, Seen.Index) || !reader.Read() || reader.TokenType != JsonTokenType.Number ||
                    !reader.TryGetInt32(out int index) || index != 0)
                {
                    return false;
                }
            }
            else if (reader.ValueTextEquals("finishReason"u8))
            {
                // Only an absent or null reason: the end is the document's to read.
                if (!reader.Read() || reader.TokenType != JsonTokenType.Null)
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

        return reader.TokenType == JsonTokenType.EndObject;
    }

    private bool ReadContent(ref Utf8JsonReader reader)
    {
        Seen seen = Seen.None;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("parts"u8))
            {
                if (!SeenMembers.First(ref seen, Seen.Parts) || !reader.Read() || reader.TokenType != JsonTokenType.StartArray)
                {
                    return false;
                }

                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (PartCount == MaxParts || reader.TokenType != JsonTokenType.StartObject || !ReadPart(ref reader))
                    {
                        return false;
                    }
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return reader.TokenType == JsonTokenType.EndObject;
    }

    private bool ReadPart(ref Utf8JsonReader reader)
    {
        Seen seen = Seen.None;
        (int Start, int Length) text = EventTextBuffer.None;
        bool isThought = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("text"u8))
            {
                if (!SeenMembers.First(ref seen, Seen.Text) || !reader.Read() || reader.TokenType != JsonTokenType.String)
                {
                    return false;
                }

                text = _text.Read(ref reader);
            }
            else if (reader.ValueTextEquals("thought"u8))
            {
                if (!SeenMembers.First(ref seen, Seen.Thought) || !reader.Read())
                {
                    return false;
                }

                isThought = reader.TokenType == JsonTokenType.True;
                reader.Skip();
            }
            else if (reader.ValueTextEquals("functionCall"u8))
            {
                return false;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject)
        {
            return false;
        }

        _parts[PartCount++] = (text, isThought);
        return true;
    }
}
