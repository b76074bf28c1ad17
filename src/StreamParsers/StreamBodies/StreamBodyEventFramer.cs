using System.Buffers;
using System.Diagnostics;

namespace ToolFlow.StreamParsers;

/// <summary>What <c>StreamBodyEventFramer.Advance</c> stopped for.</summary>
internal enum StreamBodyFrameSignal : byte
{
    /// <summary>The chunk is used up; nothing to report.</summary>
    None,

    /// <summary>An event is complete: read <see cref="StreamBodyEventFramer.Data"/> and <see cref="StreamBodyEventFramer.EventType"/>, then call <see cref="StreamBodyEventFramer.ClearEvent"/>.</summary>
    Event,

    /// <summary>A character that belongs to no event was skipped (text after a JSON payload, or between array elements).</summary>
    UnexpectedText,
}

/// <summary>
/// Splits a provider's raw response body into events, pushed a chunk at a time, in O(n): each character is looked at
/// once and only the data of the event being read is kept.
/// </summary>
/// <remarks>
/// <para>Three shapes are read, told apart by the body itself:</para>
/// <list type="bullet">
/// <item>Server-sent events (<c>text/event-stream</c>): <c>data:</c> lines (several in one event are joined with a
/// line feed), <c>event:</c> lines, comments, other fields ignored; lines end with CR, LF or CRLF; a blank line ends
/// the event, which completes at that line's end.</item>
/// <item>Newline-delimited JSON (Ollama, and SSE fixtures stored without their framing): a line that starts with
/// <c>{</c> is one payload. It completes at the character that closes its outermost object, without waiting for the
/// line end. A payload still open at its line end goes on when the next line starts as pretty-printed JSON does
/// (white space, a closing bracket, a quote or a comma), so a whole response body read from a file works too;
/// otherwise it is reported as it is (and fails to parse).</item>
/// <item>A streamed JSON array (Gemini <c>streamGenerateContent</c> without <c>alt=sse</c>): when the body's first
/// non-white-space character is <c>[</c>, each element completes at its closing bracket.</item>
/// </list>
/// <para>
/// An event whose data grows past the limit is dropped (<see cref="IsTooLong"/>) but still framed, so what follows
/// is read correctly. This is a mutable class owned by one parser; it is not thread-safe.
/// </para>
/// </remarks>
[DebuggerDisplay("{_state}, data {_data.Length}")]
internal sealed class StreamBodyEventFramer
{
    private static readonly SearchValues<char> s_lineEnds = SearchValues.Create("\r\n");
    private static readonly SearchValues<char> s_jsonStructural = SearchValues.Create("{}[]\"\r\n");
    private static readonly SearchValues<char> s_jsonArrayStructural = SearchValues.Create("{}[]\"");
    private static readonly SearchValues<char> s_jsonStringStops = SearchValues.Create("\"\\\r\n");
    private static readonly SearchValues<char> s_jsonArrayStringStops = SearchValues.Create("\"\\");
    private static readonly SearchValues<char> s_arraySeparators = SearchValues.Create(",{]");

    private const int MaxEventTypeLength = 128;

    // The fields of server-sent events; id and retry are read and ignored.
    private static readonly string[] s_fieldNames = ["data", "event", "id", "retry"];

    private readonly int _maxEventLength;

    private State _state;
    private FieldKind _fieldKind;

    // While reading a field name: how many characters so far, and which known names it may still be.
    private int _fieldLength;
    private int _fieldCandidates;
    private bool _isUnknownLine;

    private bool _skipLineFeed;
    private bool _hasData;
    private bool _isTooLong;
    private bool _isEventTypeTooLong;

    // Bare JSON payloads: nesting depth and string state.
    private int _depth;
    private bool _inString;
    private bool _escaped;

    private PooledCharBuffer _data;
    private PooledCharBuffer _eventType;
    private string? _lastEventType;

    /// <summary>Initializes a framer.</summary>
    /// <param name="maxEventLength">The most data characters one event may hold.</param>
    public StreamBodyEventFramer(int maxEventLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEventLength, 16);
        _maxEventLength = maxEventLength;
    }

    private enum State : byte
    {
        BodyStart,
        LineStart,
        Field,
        ValueStart,
        Value,
        Ignore,
        Json,
        JsonLineBreak,
        JsonTail,
        ArrayBetween,
        ArrayElement,
        ArrayJunk,
        ArrayDone,
        Ignored,
    }

    // In the order of s_fieldNames.
    private enum FieldKind : byte
    {
        Data,
        Event,
        Id,
        Retry,
        Unknown,
    }

    /// <summary>The data of the complete event (SSE data lines joined, or the JSON payload).</summary>
    public ReadOnlySpan<char> Data => _data.Span;

    /// <summary>Whether the complete event's data went past the limit and was dropped.</summary>
    public bool IsTooLong => _isTooLong;

    /// <summary>The complete event's SSE <c>event:</c> type, or <see langword="null"/> when it had none.</summary>
    public string? EventType
    {
        get
        {
            if (_eventType.Length == 0)
            {
                return null;
            }

            // Providers repeat a handful of event types: reuse the last string while it matches.
            if (_lastEventType is null || !_eventType.Span.SequenceEqual(_lastEventType))
            {
                _lastEventType = new string(_eventType.Span);
            }

            return _lastEventType;
        }
    }

    /// <summary>Whether an event is still being read (data lines without their blank line, or an unclosed payload).</summary>
    public bool HasPendingData => _hasData || _isTooLong;

    /// <summary>
    /// Reads characters until an event completes or the chunk is used up. The character that completes an event is
    /// consumed, so the caller's position after adding the return value is just past it.
    /// </summary>
    /// <param name="chunk">The unread rest of the chunk.</param>
    /// <param name="signal">Why reading stopped.</param>
    /// <returns>How many characters were consumed.</returns>
    public int Advance(ReadOnlySpan<char> chunk, out StreamBodyFrameSignal signal)
    {
        int used = Frame(chunk, out signal, out int inChunkStart, out int inChunkLength);
        if (inChunkStart >= 0)
        {
            // The event was read in place: keep it, so that Data has it.
            _data.Append(chunk.Slice(inChunkStart, inChunkLength));
        }

        return used;
    }

    /// <summary>
    /// Reads characters until an event completes or the chunk is used up, as <see cref="Advance(ReadOnlySpan{char}, out StreamBodyFrameSignal)"/>
    /// does, and gives a complete event's data: a slice of the chunk when the event lies whole in it (nothing is
    /// copied), else <see cref="Data"/>. The data is valid until the next call.
    /// </summary>
    /// <param name="chunk">The unread rest of the chunk.</param>
    /// <param name="signal">Why reading stopped.</param>
    /// <param name="data">The complete event's data, when <paramref name="signal"/> is <see cref="StreamBodyFrameSignal.Event"/>.</param>
    /// <returns>How many characters were consumed.</returns>
    public int Advance(ReadOnlySpan<char> chunk, out StreamBodyFrameSignal signal, out ReadOnlySpan<char> data)
    {
        int used = Frame(chunk, out signal, out int inChunkStart, out int inChunkLength);
        data = signal != StreamBodyFrameSignal.Event ? default
            : inChunkStart >= 0 ? chunk.Slice(inChunkStart, inChunkLength)
            : _data.Span;
        return used;
    }

    private int Frame(ReadOnlySpan<char> chunk, out StreamBodyFrameSignal signal, out int inChunkStart, out int inChunkLength)
    {
        inChunkStart = -1;
        inChunkLength = 0;
        int i = 0;
        while (i < chunk.Length)
        {
            char c = chunk[i];
            if (_skipLineFeed)
            {
                // The LF of a CRLF whose CR already ended a line.
                _skipLineFeed = false;
                if (c == '\n')
                {
                    i++;
                    continue;
                }
            }

            switch (_state)
            {
                case State.BodyStart:
                    if (c is ' ' or '\t' or '\r' or '\n' or '\uFEFF')
                    {
                        i++;
                    }
                    else if (c == '[')
                    {
                        i++;
                        _state = State.ArrayBetween;
                    }
                    else
                    {
                        _state = State.LineStart;
                    }

                    break;

                case State.LineStart:
                    if (c is '\r' or '\n')
                    {
                        // A blank line ends the event.
                        i = EndLine(i, c);
                        if (HasPendingData)
                        {
                            signal = StreamBodyFrameSignal.Event;
                            return i;
                        }

                        _eventType.Clear();
                    }
                    else if (c == ':')
                    {
                        _state = State.Ignore;
                        i++;
                    }
                    else if (c is 'd' or 'e' && TryReadKnownField(chunk, ref i, out inChunkStart, out inChunkLength))
                    {
                        if (inChunkStart >= 0)
                        {
                            signal = StreamBodyFrameSignal.Event;
                            return i;
                        }
                    }
                    else if (c == '{')
                    {
                        if (HasPendingData)
                        {
                            // Data lines not closed by a blank line: they end here.
                            signal = StreamBodyFrameSignal.Event;
                            return i;
                        }

                        BeginPayload(State.Json);
                    }
                    else
                    {
                        _state = State.Field;
                        _fieldLength = 0;
                        _fieldCandidates = (1 << s_fieldNames.Length) - 1;
                    }

                    break;

                case State.Field:
                    i = ReadField(chunk, i);
                    if (_isUnknownLine)
                    {
                        _isUnknownLine = false;
                        signal = StreamBodyFrameSignal.UnexpectedText;
                        return i;
                    }

                    break;

                case State.ValueStart:
                    if (c == ' ')
                    {
                        i++;
                    }

                    _state = State.Value;
                    break;

                case State.Value:
                case State.Ignore:
                    i = ReadValue(chunk, i);
                    break;

                case State.Json:
                case State.ArrayElement:
                    i = ReadPayload(chunk, i, _state == State.ArrayElement, out bool closed);
                    if (closed)
                    {
                        signal = StreamBodyFrameSignal.Event;
                        return i;
                    }

                    break;

                case State.JsonLineBreak:
                    if (c is ' ' or '\t' or '}' or ']' or '"' or ',')
                    {
                        // Pretty-printed JSON: the payload goes on.
                        AppendData("\n");
                        _state = State.Json;
                    }
                    else
                    {
                        // The next line starts something else (or is blank): the payload was cut short at its line
                        // end, and is reported as it is. A blank line is consumed with it.
                        _state = State.LineStart;
                        signal = StreamBodyFrameSignal.Event;
                        return c is '\r' or '\n' ? EndLine(i, c) : i;
                    }

                    break;

                case State.JsonTail:
                    if (c is ' ' or '\t')
                    {
                        i++;
                    }
                    else if (c is '\r' or '\n')
                    {
                        i = EndLine(i, c);
                    }
                    else if (c == '{')
                    {
                        BeginPayload(State.Json);
                    }
                    else
                    {
                        _state = State.Ignore;
                        signal = StreamBodyFrameSignal.UnexpectedText;
                        return i + 1;
                    }

                    break;

                case State.ArrayBetween:
                    if (c is ' ' or '\t' or '\r' or '\n' or ',')
                    {
                        i++;
                    }
                    else if (c == ']')
                    {
                        i++;
                        _state = State.ArrayDone;
                    }
                    else if (c == '{')
                    {
                        BeginPayload(State.ArrayElement);
                    }
                    else
                    {
                        // Not an object: skip to the next separator, reporting the run once.
                        _state = State.ArrayJunk;
                        signal = StreamBodyFrameSignal.UnexpectedText;
                        return i + 1;
                    }

                    break;

                case State.ArrayJunk:
                    int next = chunk[i..].IndexOfAny(s_arraySeparators);
                    if (next < 0)
                    {
                        i = chunk.Length;
                    }
                    else
                    {
                        i += next;
                        _state = State.ArrayBetween;
                    }

                    break;

                case State.ArrayDone:
                    int other = chunk[i..].IndexOfAnyExcept(" \t\r\n");
                    if (other < 0)
                    {
                        i = chunk.Length;
                        break;
                    }

                    // Text after the array is reported once and ignored.
                    _state = State.Ignored;
                    signal = StreamBodyFrameSignal.UnexpectedText;
                    return i + other + 1;

                default:
                    i = chunk.Length;
                    break;
            }
        }

        signal = StreamBodyFrameSignal.None;
        return i;
    }

    /// <summary>Ends the input: a line without its line end is read as if it had one.</summary>
    /// <returns>Whether an event is left to report (data lines without their blank line, or an unclosed payload).</returns>
    public bool Flush()
    {
        if (_state == State.Field)
        {
            EndField();
            _isUnknownLine = false;
        }

        // An unclosed payload is reported as it is, so that the parse error says what was there.
        _state = _state is State.ArrayBetween or State.ArrayElement or State.ArrayJunk or State.ArrayDone or State.Ignored
            ? State.Ignored
            : State.LineStart;
        return HasPendingData;
    }

    /// <summary>Forgets the event just reported.</summary>
    public void ClearEvent()
    {
        _data.Clear();
        _eventType.Clear();
        _hasData = false;
        _isTooLong = false;
    }

    /// <summary>Returns the buffers to the pool.</summary>
    public void Release()
    {
        _data.Release();
        _eventType.Release();
    }

    // The usual lines, without matching their field name a character at a time: "event:" and "data:" whole in the
    // chunk. A data line that is the event's only one and is followed by its blank line in the chunk is the whole
    // event: it is given in place (its start and length in the chunk) and consumed up to that blank line's end.
    private bool TryReadKnownField(ReadOnlySpan<char> chunk, ref int i, out int dataStart, out int dataLength)
    {
        dataStart = -1;
        dataLength = 0;
        ReadOnlySpan<char> rest = chunk[i..];
        if (rest.StartsWith("data:"))
        {
            if (!HasPendingData && !_isTooLong)
            {
                int start = rest.Length > 5 && rest[5] == ' ' ? 6 : 5;
                int end = rest[start..].IndexOfAny(s_lineEnds);
                if (end >= 0 && end <= _maxEventLength)
                {
                    end += start;
                    if (rest[end] == '\n' && end + 1 < rest.Length && rest[end + 1] == '\n')
                    {
                        dataStart = i + start;
                        dataLength = end - start;
                        _hasData = true;
                        i += end + 2;
                        return true;
                    }
                }
            }

            _fieldKind = FieldKind.Data;
            if (_hasData)
            {
                AppendData("\n");
            }

            _hasData = true;
            _state = State.ValueStart;
            i += 5;
            return true;
        }

        if (rest.StartsWith("event:"))
        {
            _fieldKind = FieldKind.Event;
            _eventType.Clear();
            _isEventTypeTooLong = false;
            _state = State.ValueStart;
            i += 6;
            return true;
        }

        return false;
    }

    private int EndLine(int i, char c)
    {
        _skipLineFeed = c == '\r';
        _state = State.LineStart;
        return i + 1;
    }

    private void BeginPayload(State state)
    {
        _state = state;
        _depth = 0;
        _inString = false;
        _escaped = false;
        _hasData = true;
    }

    private int ReadField(ReadOnlySpan<char> chunk, int i)
    {
        while (i < chunk.Length)
        {
            char c = chunk[i];
            if (c == ':')
            {
                EndField();
                _state = _fieldKind is FieldKind.Data or FieldKind.Event ? State.ValueStart : State.Ignore;
                return i + 1;
            }

            if (c is '\r' or '\n')
            {
                // A field name alone on its line has an empty value.
                EndField();
                return EndLine(i, c);
            }

            for (int k = 0; k < s_fieldNames.Length; k++)
            {
                string name = s_fieldNames[k];
                if (_fieldLength >= name.Length || name[_fieldLength] != c)
                {
                    _fieldCandidates &= ~(1 << k);
                }
            }

            _fieldLength++;
            i++;
            if (_fieldCandidates == 0)
            {
                // Not a field of server-sent events: the line is skipped, and said to be.
                _fieldKind = FieldKind.Unknown;
                _isUnknownLine = true;
                _state = State.Ignore;
                return i;
            }
        }

        return i;
    }

    private void EndField()
    {
        _fieldKind = FieldKind.Unknown;
        for (int k = 0; k < s_fieldNames.Length; k++)
        {
            if ((_fieldCandidates & (1 << k)) != 0 && s_fieldNames[k].Length == _fieldLength)
            {
                _fieldKind = (FieldKind)k;
            }
        }

        if (_fieldKind == FieldKind.Data)
        {
            // Data lines of one event are joined with a line feed.
            if (_hasData)
            {
                AppendData("\n");
            }

            _hasData = true;
        }
        else if (_fieldKind == FieldKind.Event)
        {
            _eventType.Clear();
            _isEventTypeTooLong = false;
        }
        else if (_fieldKind == FieldKind.Unknown)
        {
            _isUnknownLine = true;
        }
    }

    private int ReadValue(ReadOnlySpan<char> chunk, int i)
    {
        ReadOnlySpan<char> rest = chunk[i..];
        int end = rest.IndexOfAny(s_lineEnds);
        ReadOnlySpan<char> value = end < 0 ? rest : rest[..end];
        if (_state == State.Value)
        {
            if (_fieldKind == FieldKind.Data)
            {
                AppendData(value);
            }
            else if (_fieldKind == FieldKind.Event && !_isEventTypeTooLong)
            {
                // A type past the limit is dropped whole, however the line was split between chunks.
                if (_eventType.Length + value.Length <= MaxEventTypeLength)
                {
                    _eventType.Append(value);
                }
                else
                {
                    _eventType.Clear();
                    _isEventTypeTooLong = true;
                }
            }
        }

        return end < 0 ? chunk.Length : EndLine(i + end, rest[end]);
    }

    private int ReadPayload(ReadOnlySpan<char> chunk, int i, bool inArray, out bool closed)
    {
        closed = false;
        int start = i;
        while (i < chunk.Length)
        {
            if (_escaped)
            {
                if (!inArray && chunk[i] is '\r' or '\n')
                {
                    _escaped = false;
                    continue;
                }

                _escaped = false;
                i++;
                continue;
            }

            ReadOnlySpan<char> rest = chunk[i..];
            int at = _inString
                ? rest.IndexOfAny(inArray ? s_jsonArrayStringStops : s_jsonStringStops)
                : rest.IndexOfAny(inArray ? s_jsonArrayStructural : s_jsonStructural);
            if (at < 0)
            {
                i = chunk.Length;
                break;
            }

            i += at;
            char c = chunk[i];
            switch (c)
            {
                case '\r':
                case '\n':
                    // A line end inside a line's payload: the next line says whether the payload goes on.
                    AppendData(chunk[start..i]);
                    _skipLineFeed = c == '\r';
                    _state = State.JsonLineBreak;
                    return i + 1;
                case '"':
                    _inString = !_inString;
                    break;
                case '\\':
                    _escaped = true;
                    break;
                case '{':
                case '[':
                    _depth++;
                    break;
                default:
                    if (--_depth == 0)
                    {
                        AppendData(chunk[start..(i + 1)]);
                        closed = true;
                        _state = inArray ? State.ArrayBetween : State.JsonTail;
                        return i + 1;
                    }

                    break;
            }

            i++;
        }

        AppendData(chunk[start..i]);
        return i;
    }

    private void AppendData(ReadOnlySpan<char> text)
    {
        if (_isTooLong || text.IsEmpty)
        {
            return;
        }

        if (_data.Length + text.Length > _maxEventLength)
        {
            _isTooLong = true;
            _data.Release();
            return;
        }

        _data.Append(text);
    }
}
