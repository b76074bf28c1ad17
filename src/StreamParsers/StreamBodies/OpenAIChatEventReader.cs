using System.Text.Json;

namespace ToolFlow.StreamParsers;

/// <summary>
/// Reads the usual OpenAI chat chunk (one choice, a delta with text, reasoning, refusal or tool-call fragments, a
/// finish reason) straight from its UTF-8 with <see cref="Utf8JsonReader"/>, without building a document: the event
/// is read once, other members are skipped, and text is unescaped into a reused buffer instead of a string.
/// </summary>
/// <remarks>
/// It only collects: nothing reaches the observer until the whole event has been read. Anything it does not take
/// (an error member, several choices, content parts, a legacy <c>function_call</c>, a repeated member, arguments
/// that are not a string, invalid JSON) makes <see cref="TryRead"/> return <see langword="false"/>, and the parser
/// reads the event again with <see cref="JsonDocument"/>, which says what is wrong. Owned by one parser.
/// </remarks>
internal sealed class OpenAIChatEventReader
{
    // Fragments one chunk may carry before the event goes the document's way.
    private const int MaxFragments = 8;

    // The depth limit of the full read (Utf8JsonReader's default), which the read of a delta alone keeps.
    private const int MaxDepth = 64;

    private readonly ToolCallDelta[] _fragments = new ToolCallDelta[MaxFragments];
    private readonly EventTextBuffer _text = new();

    // The last event read in full, split around its delta object: chunks of one response repeat their envelope
    // (id, model, created, ...) byte for byte, so an event with the same bytes before and after its delta is read
    // by reading the delta alone. The prefix fixes every reading state up to the delta, the suffix everything after.
    private byte[] _prefix = [];
    private byte[] _suffix = [];
    private int _prefixLength = -1;
    private int _suffixLength;
    private int _lastDeltaDepth;
    private string? _lastFinishReason;

    // Where the delta object of the event being read in full lies (start -1 when it has none).
    private int _deltaStart;
    private int _deltaEnd;
    private int _deltaDepth;
    private string? _lastName;

    // Where each text member's characters sit in the text buffer (start, length; length -1 when absent).
    private (int Start, int Length) _reasoningContent;
    private (int Start, int Length) _reasoning;
    private (int Start, int Length) _content;
    private (int Start, int Length) _refusal;

    [Flags]
    private enum Seen
    {
        None = 0,
        Choices = 1,
        Index = 2,
        Delta = 4,
        FinishReason = 8,
        ReasoningContent = 16,
        Reasoning = 32,
        Content = 64,
        Refusal = 128,
        ToolCalls = 256,
        Id = 512,
        Function = 1024,
        Name = 2048,
        Arguments = 4096,
    }

    /// <summary>How many tool-call fragments the event carried.</summary>
    public int FragmentCount { get; private set; }

    /// <summary>The event's finish reason, or <see langword="null"/>.</summary>
    public string? FinishReason { get; private set; }

    /// <summary>The reasoning text (<c>reasoning_content</c>, else <c>reasoning</c>), empty when none.</summary>
    public ReadOnlySpan<char> Reasoning =>
        _text[_reasoningContent.Length >= 0 ? _reasoningContent : _reasoning];

    /// <summary>The text (<c>content</c>), empty when none.</summary>
    public ReadOnlySpan<char> Content => _text[_content];

    /// <summary>The refusal text, empty when none.</summary>
    public ReadOnlySpan<char> Refusal => _text[_refusal];

    /// <summary>The tool-call fragments, in order.</summary>
    public ReadOnlySpan<ToolCallDelta> Fragments => _fragments.AsSpan(0, FragmentCount);

    /// <summary>Reads one event.</summary>
    /// <param name="json">The event's JSON.</param>
    /// <returns>Whether the event had the usual shape and was read; when not, read it with a document.</returns>
    public bool TryRead(ReadOnlySpan<byte> json)
    {
        if (TryReadLikeLast(json))
        {
            return true;
        }

        Reset();
        _deltaStart = -1;
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject || !ReadTop(ref reader) || reader.Read())
            {
                // Trailing text is an error the document reports.
                return false;
            }
        }
        catch (JsonException)
        {
            return false;
        }

        Remember(json);
        return true;
    }

    private void Reset()
    {
        FragmentCount = 0;
        FinishReason = null;
        _text.Clear();
        _reasoningContent = _reasoning = _content = _refusal = EventTextBuffer.None;
    }

    // The event has the last full read's bytes around its delta: only the delta is read. Whatever goes wrong here
    // leaves the event to the full read.
    private bool TryReadLikeLast(ReadOnlySpan<byte> json)
    {
        int prefixLength = _prefixLength;
        int suffixLength = _suffixLength;
        if (prefixLength < 0 || json.Length - prefixLength - suffixLength < 2 ||
            !json[..prefixLength].SequenceEqual(_prefix.AsSpan(0, prefixLength)) ||
            !json[^suffixLength..].SequenceEqual(_suffix.AsSpan(0, suffixLength)))
        {
            return false;
        }

        Reset();
        ReadOnlySpan<byte> delta = json[prefixLength..^suffixLength];
        try
        {
            var reader = new Utf8JsonReader(delta, new JsonReaderOptions { MaxDepth = MaxDepth - _lastDeltaDepth });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject || !ReadDelta(ref reader) || reader.BytesConsumed != delta.Length)
            {
                return false;
            }
        }
        catch (JsonException)
        {
            return false;
        }

        FinishReason = _lastFinishReason;
        return true;
    }

    private void Remember(ReadOnlySpan<byte> json)
    {
        if (_deltaStart < 0)
        {
            _prefixLength = -1;
            return;
        }

        ReadOnlySpan<byte> prefix = json[.._deltaStart];
        ReadOnlySpan<byte> suffix = json[_deltaEnd..];
        if (_prefix.Length < prefix.Length)
        {
            _prefix = new byte[Math.Max(prefix.Length, 256)];
        }

        if (_suffix.Length < suffix.Length)
        {
            _suffix = new byte[Math.Max(suffix.Length, 64)];
        }

        prefix.CopyTo(_prefix);
        suffix.CopyTo(_suffix);
        _prefixLength = prefix.Length;
        _suffixLength = suffix.Length;
        _lastDeltaDepth = _deltaDepth;
        _lastFinishReason = FinishReason;
    }

    private bool ReadTop(ref Utf8JsonReader reader)
    {
        Seen seen = Seen.None;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("choices"u8))
            {
                if (!SeenMembers.First(ref seen, Seen.Choices) || !reader.Read())
                {
                    return false;
                }

                if (reader.TokenType == JsonTokenType.StartArray)
                {
                    if (!ReadChoices(ref reader))
                    {
                        return false;
                    }
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("error"u8))
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

    private bool ReadChoices(ref Utf8JsonReader reader)
    {
        int count = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            // More than one choice, or one that is not an object, is for the document.
            if (++count > 1 || reader.TokenType != JsonTokenType.StartObject || !ReadChoice(ref reader))
            {
                return false;
            }
        }

        return true;
    }

    private bool ReadChoice(ref Utf8JsonReader reader)
    {
        Seen seen = Seen.None;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("index"u8))
            {
                if (!SeenMembers.First(ref seen, Seen.Index) || !reader.Read())
                {
                    return false;
                }

                if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out int index) && index != 0)
                {
                    return false;
                }

                reader.Skip();
            }
            else if (reader.ValueTextEquals("delta"u8))
            {
                if (!SeenMembers.First(ref seen, Seen.Delta) || !reader.Read())
                {
                    return false;
                }

                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    int start = (int)reader.TokenStartIndex;
                    int depth = reader.CurrentDepth;
                    if (!ReadDelta(ref reader))
                    {
                        return false;
                    }

                    (_deltaStart, _deltaEnd, _deltaDepth) = (start, (int)reader.BytesConsumed, depth);
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("finish_reason"u8))
            {
                if (!SeenMembers.First(ref seen, Seen.FinishReason) || !reader.Read())
                {
                    return false;
                }

                FinishReason = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                reader.Skip();
            }
            else if (reader.ValueTextEquals("message"u8))
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

    private bool ReadDelta(ref Utf8JsonReader reader)
    {
        Seen seen = Seen.None;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("content"u8))
            {
                if (!SeenMembers.First(ref seen, Seen.Content) || !_text.TryReadMember(ref reader, out _content, arrayIsUnusual: true))
                {
                    return false;
                }
            }
            else if (reader.ValueTextEquals("tool_calls"u8))
            {
                if (!SeenMembers.First(ref seen, Seen.ToolCalls) || !reader.Read())
                {
                    return false;
                }

                if (reader.TokenType == JsonTokenType.StartArray)
                {
                    if (!ReadToolCalls(ref reader))
                    {
                        return false;
                    }
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("reasoning_content"u8))
            {
                if (!SeenMembers.First(ref seen, Seen.ReasoningContent) || !_text.TryReadMember(ref reader, out _reasoningContent, arrayIsUnusual: true))
                {
                    return false;
                }
            }
            else if (reader.ValueTextEquals("reasoning"u8))
            {
                if (!SeenMembers.First(ref seen, Seen.Reasoning) || !_text.TryReadMember(ref reader, out _reasoning, arrayIsUnusual: true))
                {
                    return false;
                }
            }
            else if (reader.ValueTextEquals("refusal"u8))
            {
                if (!SeenMembers.First(ref seen, Seen.Refusal) || !_text.TryReadMember(ref reader, out _refusal, arrayIsUnusual: true))
                {
                    return false;
                }
            }
            else if (reader.ValueTextEquals("function_call"u8))
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
    private bool ReadToolCalls(ref Utf8JsonReader reader)
    {
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (FragmentCount == MaxFragments || reader.TokenType != JsonTokenType.StartObject || !ReadToolCall(ref reader))
            {
                return false;
            }
        }

        return true;
    }

    private bool ReadToolCall(ref Utf8JsonReader reader)
    {
        Seen seen = Seen.None;
        int? index = null;
        string? id = null;
        string? name = null;
        string? arguments = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("index"u8))
            {
                if (!SeenMembers.First(ref seen, Seen.Index) || !reader.Read())
                {
                    return false;
                }

                index = reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out int number) ? number : null;
                reader.Skip();
            }
            else if (reader.ValueTextEquals("id"u8))
            {
                if (!SeenMembers.First(ref seen, Seen.Id) || !reader.Read())
                {
                    return false;
                }

                id = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                reader.Skip();
            }
            else if (reader.ValueTextEquals("function"u8))
            {
                if (!SeenMembers.First(ref seen, Seen.Function) || !reader.Read())
                {
                    return false;
                }

                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    if (!ReadFunction(ref reader, out name, out arguments))
                    {
                        return false;
                    }
                }
                else
                {
                    reader.Skip();
                }
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

        _fragments[FragmentCount++] = new ToolCallDelta(index, id, name, arguments);
        return true;
    }

    private bool ReadFunction(ref Utf8JsonReader reader, out string? name, out string? arguments)
    {
        Seen seen = Seen.None;
        name = null;
        arguments = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("name"u8))
            {
                if (!SeenMembers.First(ref seen, Seen.Name) || !reader.Read())
                {
                    return false;
                }

                name = reader.TokenType != JsonTokenType.String ? null
                    : _lastName is not null && reader.ValueTextEquals(_lastName) ? _lastName
                    : _lastName = reader.GetString();
                reader.Skip();
            }
            else if (reader.ValueTextEquals("arguments"u8))
            {
                if (!SeenMembers.First(ref seen, Seen.Arguments) || !reader.Read())
                {
                    return false;
                }

                if (reader.TokenType == JsonTokenType.String)
                {
                    arguments = reader.GetString();
                }
                else if (reader.TokenType != JsonTokenType.Null)
                {
                    // Arguments as a JSON value are passed as their raw text by the document's reader.
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
}
