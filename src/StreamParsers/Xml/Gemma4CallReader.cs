using System.Text.Json;
using static ToolFlow.StreamParsers.SchemaValueConverter;

namespace ToolFlow.StreamParsers;

/// <summary>
/// Reads Gemma 4 calls: <c>&lt;|tool_call&gt;call:NAME{key:&lt;|"|&gt;text&lt;|"|&gt;,n:42,list:[1,2],obj:{a:true}}&lt;tool_call|&gt;</c>,
/// a JSON-like object with bare keys and strings quoted by the token <c>&lt;|"|&gt;</c>.
/// </summary>
/// <remarks>
/// The object is rewritten as JSON while it arrives (keys quoted, strings escaped), so the arguments stream; a bare
/// value is JSON when it reads as a JSON literal or number (typed by the parameter's schema at the top level) and
/// a string otherwise. The call completes at the <c>}</c> that closes the object
/// (<see cref="ToolCallCompletionReason.JsonClosed"/>); <c>&lt;tool_call|&gt;</c> follows.
/// </remarks>
internal sealed class Gemma4CallReader : XmlParameterCallReader
{
    private const string CallPrefix = "call:";

    private static readonly XmlMarkerSet s_prefixMarkers = new("<tool_call|>");
    private static readonly XmlMarkerSet s_bodyMarkers = new("<|\"|>", "<tool_call|>");
    private static readonly XmlMarkerSet s_stringMarkers = new("<|\"|>");
    private static readonly XmlMarkerSet s_endMarkers = new("<tool_call|>");

    private State _state;
    private PooledCharBuffer _tag;
    private char[] _containers = new char[8];
    private int _depth;
    private bool _pendingComma;
    private bool _stringIsKey;
    private long _tagStart;
    private string? _key;
    private JsonElement? _toolSchema;

    /// <summary>Initializes a reader.</summary>
    /// <param name="options">Limits and tool schemas.</param>
    public Gemma4CallReader(ToolCallParserOptions options)
        : base(options, ["<|tool_call>"], reasoning: null)
    {
    }

    private enum State : byte
    {
        Prefix,
        Key,
        BareKey,
        Colon,
        Value,
        BareValue,
        String,
        CommaOrEnd,
        After,
        Skip,
    }

    /// <inheritdoc/>
    protected override XmlMarkerSet CallMarkers => _state switch
    {
        State.Prefix => s_prefixMarkers,
        State.String => s_stringMarkers,
        State.After or State.Skip => s_endMarkers,
        _ => s_bodyMarkers,
    };

    /// <inheritdoc/>
    protected override void OnEnter(int entry, long end)
    {
        _tagStart = end;
        _state = State.Prefix;
        _tag.Clear();
        _depth = 0;
        _pendingComma = false;
    }

    /// <inheritdoc/>
    protected override int OnCallContent(ReadOnlySpan<char> content, long offset)
    {
        switch (_state)
        {
            case State.Prefix:
                return ReadPrefix(content, offset);
            case State.String when _stringIsKey:
                int room = Math.Max(0, WrapperBudget - _tag.Length);
                if (content.Length > room)
                {
                    Keep(content[..room]);
                    FallBack(CallMalformed, $"A key in the call to '{CallName}' is too long; the text is kept as text.", offset + room);
                    return room;
                }

                Keep(content);
                _tag.Append(content);
                return content.Length;
            case State.String:
                Keep(content);
                if (!WriteEscaped(content, offset))
                {
                    _state = State.Skip;
                }

                return content.Length;
            case State.After:
                return ReadAfter(content, offset);
            case State.Skip:
                return content.Length;
            default:
                return ReadStructure(content, offset);
        }
    }

    /// <inheritdoc/>
    protected override void OnCallMarker(int id, long end)
    {
        switch (_state)
        {
            case State.After:
            case State.Skip:
                Leave();
                break;
            case State.Prefix:
                FallBack(CallMalformed, "A tool call ended before its arguments; the text is kept as text.", end);
                break;
            case State.String:
                // The closing quote token.
                _state = State.CommaOrEnd;
                if (_stringIsKey)
                {
                    _state = WriteKey(end) ? State.Colon : State.Skip;
                }
                else if (!WriteJson("\"", end))
                {
                    _state = State.Skip;
                }

                break;
            case State.Key when id == 0:
                _stringIsKey = true;
                _tag.Clear();
                _state = State.String;
                break;
            case State.Value when id == 0:
                _stringIsKey = false;
                _state = WriteSeparator(end) && WriteJson("\"", end) ? State.String : State.Skip;
                break;
            case State.BareValue when id == 0:
                FallBack(CallMalformed, $"A value in the call to '{CallName}' runs into a string; the text is kept as text.", end);
                break;
            default:
                FallBack(id == 0 ? CallMalformed : ParserDiagnosticCodes.CallUnterminated, $"The arguments of the call to '{CallName}' are malformed or end early; the text is kept as text.", end);
                break;
        }
    }

    /// <inheritdoc/>
    protected override void OnCallEnd(long end)
    {
        switch (_state)
        {
            case State.Prefix:
                EndBeforeCall("a tool call before its arguments.", end);
                break;
            case State.After:
                Surface();
                break;
            default:
                EndInsideCall(isSkipping: _state == State.Skip, end);
                break;
        }

        _tag.Release();
    }

    private int ReadPrefix(ReadOnlySpan<char> content, long offset)
    {
        int brace = content.IndexOfAny('{', '<', '\n');
        ReadOnlySpan<char> piece = brace < 0 ? content : content[..brace];
        int room = Math.Max(0, WrapperBudget - _tag.Length);
        if (piece.Length > room)
        {
            Keep(piece[..room]);
            FallBack(ParserDiagnosticCodes.CallMissingName, "A tool call's name is too long; the text is kept as text.", offset + room);
            return room;
        }

        Keep(piece);
        _tag.Append(piece);
        ReadOnlySpan<char> prefix = _tag.Span.TrimStart();
        int common = prefix.CommonPrefixLength(CallPrefix);
        if (common < CallPrefix.Length && common < prefix.Length)
        {
            // Where the text stops being "call:", wherever the input was split.
            long mismatch = _tagStart + (_tag.Length - prefix.Length) + common;
            FallBack(ParserDiagnosticCodes.CallMissingName, "<|tool_call> is not followed by call:NAME{; the text is kept as text.", mismatch);
            return piece.Length;
        }

        if (brace < 0)
        {
            return content.Length;
        }

        long at = offset + brace;
        if (content[brace] != '{' || prefix.Length <= CallPrefix.Length)
        {
            FallBack(ParserDiagnosticCodes.CallMissingName, "<|tool_call> is not followed by call:NAME{; the text is kept as text.", at);
            return brace;
        }

        string name = new(prefix[CallPrefix.Length..].Trim());
        Keep("{");
        if (name.Length == 0 || name.AsSpan().IndexOfAny(" \t\r\n") >= 0)
        {
            FallBack(ParserDiagnosticCodes.CallMissingName, "A tool call's name is empty or malformed; the text is kept as text.", at);
            return brace + 1;
        }

        if (!TryStartCall(name, at + 1))
        {
            _state = State.Skip;
            return brace + 1;
        }

        _toolSchema = ToolSchema(Options, name);
        _containers[0] = '{';
        _depth = 1;
        _state = WriteJson("{", at + 1) ? State.Key : State.Skip;
        return brace + 1;
    }

    private int ReadStructure(ReadOnlySpan<char> content, long offset)
    {
        int i = 0;
        while (i < content.Length)
        {
            if (_state is State.BareKey or State.BareValue)
            {
                // A bare key runs to its colon; a bare value to a delimiter, which is read next.
                int stop = _state == State.BareKey ? content[i..].IndexOf(':') : content[i..].IndexOfAny(",}] \t\r\n");
                int end = stop < 0 ? content.Length : i + stop;
                int room = Math.Max(0, (_state == State.BareKey ? WrapperBudget : Options.MaxArgumentsLength) - _tag.Length);
                if (end - i > room)
                {
                    Keep(content.Slice(i, room));
                    return TooLong(offset + i + room) ? i + room : content.Length;
                }

                Keep(content[i..end]);
                _tag.Append(content[i..end]);
                i = end;

                if (stop < 0)
                {
                    return content.Length;
                }

                if (_state == State.BareKey)
                {
                    Keep(":");
                    i++;
                    if (!(WriteKey(offset + i) && WriteJson(":", offset + i)))
                    {
                        _state = State.Skip;
                        return content.Length;
                    }

                    _state = State.Value;
                }
                else if (!WriteBareValue(offset + i))
                {
                    return content.Length;
                }

                continue;
            }

            char c = content[i];
            long at = offset + i;
            Keep(content.Slice(i, 1));
            i++;
            if (IsSpace(c))
            {
                continue;
            }

            bool ok = _state switch
            {
                State.Key when c == '}' => Close(c, at + 1),
                State.Key => BeginBareKey(c, at),
                State.Colon when c == ':' => WriteJson(":", at + 1) && Next(State.Value),
                State.Value when c == ']' && Top == '[' => Close(c, at + 1),
                State.Value => BeginValue(c, at),
                State.CommaOrEnd when c == ',' => Comma(),
                State.CommaOrEnd when c is '}' or ']' => Close(c, at + 1),
                _ => Malformed(c, at),
            };

            if (!ok)
            {
                // The text fell back (lex the rest as text) or the call is skipped.
                return _state == State.Skip ? content.Length : i;
            }

            if (_state == State.After)
            {
                // The call completed: lex the rest for its end marker.
                return i;
            }
        }

        return content.Length;
    }

    private int ReadAfter(ReadOnlySpan<char> content, long offset)
    {
        int j = IndexOfNonSpace(content);
        if (j < 0)
        {
            Keep(content);
            return content.Length;
        }

        Keep(content[..j]);
        Diagnose(ParserDiagnosticCodes.CallEndMarkerMissing, "A tool call is not followed by <tool_call|>.", offset + j);
        Surface();
        return j;
    }

    private char Top => _containers[_depth - 1];

    private bool Next(State state)
    {
        _state = state;
        return true;
    }

    private bool Comma()
    {
        // Written when the next member or item begins, so that a trailing comma can be dropped.
        _pendingComma = true;
        _state = Top == '{' ? State.Key : State.Value;
        return true;
    }

    private bool WriteSeparator(long end)
    {
        if (!_pendingComma)
        {
            return true;
        }

        _pendingComma = false;
        return WriteJson(",", end);
    }

    private bool BeginBareKey(char c, long at)
    {
        if (c is ',' or '{' or '[' or ']' or ':' or '"')
        {
            return Malformed(c, at);
        }

        _tag.Clear();
        _tag.Append([c]);
        _state = State.BareKey;
        return true;
    }

    private bool BeginValue(char c, long at)
    {
        switch (c)
        {
            case '{':
            case '[':
                if (_depth >= Options.MaxDepth)
                {
                    AbortCall(ParserDiagnosticCodes.ArgumentsTooDeep, $"The arguments of the call to '{CallName}' nest deeper than {Options.MaxDepth} levels; the call is skipped.", at + 1);
                    _state = State.Skip;
                    return false;
                }

                if (_depth == _containers.Length)
                {
                    Array.Resize(ref _containers, _depth * 2);
                }

                _containers[_depth++] = c;
                _state = c == '{' ? State.Key : State.Value;
                if (!(WriteSeparator(at + 1) && WriteJson([c], at + 1)))
                {
                    _state = State.Skip;
                    return false;
                }

                return true;
            case ',':
            case '}':
            case ']':
            case ':':
                return Malformed(c, at);
            default:
                _tag.Clear();
                _tag.Append([c]);
                _state = State.BareValue;
                return true;
        }
    }

    private bool WriteBareValue(long end)
    {
        // In the top-level object the parameter's schema types the value; deeper, a JSON literal or number is itself.
        SchemaTypes types = _depth == 1 && _key is not null ? TypesOf(PropertySchema(_toolSchema, _key)) : SchemaTypes.Any;
        if (!(WriteSeparator(end) && WriteValue(_tag.Span.Trim(), types, end)))
        {
            _state = State.Skip;
            return false;
        }

        _state = State.CommaOrEnd;
        return true;
    }

    private bool WriteKey(long end)
    {
        ReadOnlySpan<char> name = _tag.Span.Trim();
        _key = _depth == 1 ? new string(name) : null;
        return WriteSeparator(end) && WriteJson("\"", end) && WriteEscaped(name, end) && WriteJson("\"", end);
    }

    // A bare key or value passed its limit: a key falls back to text (true: lex the rest), a value aborts the call.
    private bool TooLong(long at)
    {
        if (_state == State.BareKey)
        {
            FallBack(CallMalformed, $"A key in the call to '{CallName}' is too long; the text is kept as text.", at);
            return true;
        }

        AbortCall(ParserDiagnosticCodes.ArgumentsTooLong, $"The arguments of the call to '{CallName}' are longer than {Options.MaxArgumentsLength} characters; the call is skipped.", at);
        _state = State.Skip;
        return false;
    }

    private bool Close(char c, long end)
    {
        if (Top != (c == '}' ? '{' : '['))
        {
            return Malformed(c, end - 1);
        }

        // A trailing comma is dropped: {a:1,} reads as {"a":1}.
        _pendingComma = false;
        if (!WriteJson([c], end))
        {
            _state = State.Skip;
            return false;
        }

        if (--_depth == 0)
        {
            CompleteCall(end, ToolCallCompletionReason.JsonClosed, closeObject: false);
            _state = State.After;
            return true;
        }

        _state = State.CommaOrEnd;
        return true;
    }

    private bool Malformed(char c, long at)
    {
        FallBack(CallMalformed, $"The arguments of the call to '{CallName}' are malformed (unexpected '{c}'); the text is kept as text.", at);
        return false;
    }
}
