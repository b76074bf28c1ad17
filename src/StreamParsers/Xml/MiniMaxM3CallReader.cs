using System.Text.Json;
using static ToolFlow.StreamParsers.SchemaValueConverter;

namespace ToolFlow.StreamParsers;

/// <summary>
/// Reads MiniMax-M3 calls, whose every tag is preceded by the special token <c>]&lt;]minimax[&gt;[</c>:
/// <c>]&lt;]minimax[&gt;[&lt;tool_call&gt;\n]&lt;]minimax[&gt;[&lt;invoke name="NAME"&gt;]&lt;]minimax[&gt;[&lt;KEY&gt;V]&lt;]minimax[&gt;[&lt;/KEY&gt;…]&lt;]minimax[&gt;[&lt;/invoke&gt;\n]&lt;]minimax[&gt;[&lt;/tool_call&gt;</c>.
/// </summary>
/// <remarks>
/// A parameter is an element named after it. Its value may hold elements too: an object's members
/// (<c>&lt;real&gt;1.5&lt;/real&gt;</c>) or an array's items (<c>&lt;item&gt;a&lt;/item&gt;</c>), read by the
/// parameter's schema; a parameter whose schema allows a string keeps its value as written, elements included.
/// The call completes at <c>&lt;/invoke&gt;</c>.
/// </remarks>
internal sealed class MiniMaxM3CallReader : XmlParameterCallReader
{
    private const string Token = "]<]minimax[>[";
    private const string TagOpen = Token + "<";
    private const string ItemElement = "item";

    private static readonly XmlMarkerSet s_blockMarkers = new(Token + "<invoke name=", Token + "</tool_call>");
    private static readonly XmlMarkerSet s_tagMarkers = new(">");
    private static readonly XmlMarkerSet s_bodyMarkers = new(Token + "</invoke>", TagOpen);
    private static readonly XmlMarkerSet s_valueMarkers = new(TagOpen);
    private static readonly XmlMarkerSet s_skipMarkers = new(Token + "</invoke>");

    private State _state;
    private bool _afterCall;
    private int _depth;
    private PooledCharBuffer _tag;
    private PooledCharBuffer _scratch;
    private JsonElement? _toolSchema;
    private NameTable _names;
    private JsonElement? _parameterSchema;

    /// <summary>Initializes a reader.</summary>
    /// <param name="options">Limits and tool schemas.</param>
    public MiniMaxM3CallReader(ToolCallParserOptions options)
        : base(options, [Token + "<tool_call>"], new ReasoningSyntax("<mm:think>", "</mm:think>", MayOpenInPrompt: true))
    {
    }

    private enum State : byte
    {
        Block,
        InvokeTag,
        Body,
        ParameterTag,
        Value,
        ValueTag,
        Skip,
    }

    /// <inheritdoc/>
    protected override XmlMarkerSet CallMarkers => _state switch
    {
        State.Block => s_blockMarkers,
        State.InvokeTag or State.ParameterTag or State.ValueTag => s_tagMarkers,
        State.Body => s_bodyMarkers,
        State.Value => s_valueMarkers,
        _ => s_skipMarkers,
    };

    /// <inheritdoc/>
    protected override void OnEnter(int entry, long end)
    {
        _state = State.Block;
        _afterCall = false;
    }

    /// <inheritdoc/>
    protected override int OnCallContent(ReadOnlySpan<char> content, long offset)
    {
        switch (_state)
        {
            case State.Block:
            case State.Body:
                return ReadLayout(content, offset);
            case State.InvokeTag:
            case State.ParameterTag:
            case State.ValueTag:
                return ReadTag(content, offset);
            case State.Value:
                Keep(content);
                if (!AppendParameter(content, offset))
                {
                    _state = State.Skip;
                }

                return content.Length;
            default:
                return content.Length;
        }
    }

    /// <inheritdoc/>
    protected override void OnCallMarker(int id, long end)
    {
        switch (_state)
        {
            case State.Block when id == 0:
                BeginTag(State.InvokeTag);
                break;
            case State.Block:
                Leave();
                break;
            case State.InvokeTag:
                StartInvoke(end);
                break;
            case State.Body when id == 0:
                CompleteCall(end, ToolCallCompletionReason.EndMarker);
                _state = State.Block;
                _afterCall = true;
                break;
            case State.Body:
                BeginTag(State.ParameterTag);
                break;
            case State.ParameterTag:
                BeginValue(end);
                break;
            case State.Value:
                BeginTag(State.ValueTag);
                break;
            case State.ValueTag:
                EndValueTag(end);
                break;
            default:
                // Skip: the call's closing tag.
                DropRaw();
                _state = State.Block;
                _afterCall = true;
                break;
        }
    }

    /// <inheritdoc/>
    protected override void OnCallEnd(long end)
    {
        switch (_state)
        {
            case State.Block when _afterCall:
                Surface();
                break;
            case State.Block:
            case State.InvokeTag:
                EndBeforeCall("a block of tool calls before a call's name.", end);
                break;
            default:
                EndInsideCall(isSkipping: _state == State.Skip, end);
                break;
        }

        _tag.Release();
        _scratch.Release();
    }

    /// <inheritdoc/>
    protected override bool WriteParameterValue(ReadOnlySpan<char> value, SchemaTypes types, long end)
    {
        if (!value.Contains(TagOpen, StringComparison.Ordinal))
        {
            return base.WriteParameterValue(value, types, end);
        }

        _scratch.Clear();
        if (!TryAppendElements(ref _scratch, value, _parameterSchema, Math.Max(1, Options.MaxDepth - 1)))
        {
            AbortCall(ParserDiagnosticCodes.ArgumentsTooDeep, $"The arguments of the call to '{CallName}' nest deeper than {Options.MaxDepth} levels; the call is skipped.", end);
            return false;
        }

        return WriteJson(_scratch.Span, end);
    }

    // Appends a value that may be a sequence of elements as JSON, typed by its schema.
    private static bool TryAppendElements(ref PooledCharBuffer json, ReadOnlySpan<char> value, JsonElement? schema, int depthLeft)
    {
        SchemaTypes types = TypesOf(schema);
        if ((types & SchemaTypes.String) != 0 || !IsElementSequence(value, out int count, out bool allItems))
        {
            return TryAppendValue(ref json, value, types, depthLeft);
        }

        if (depthLeft < 1)
        {
            return false;
        }

        bool isArray = (types & SchemaTypes.Array) != 0
            ? (types & SchemaTypes.Object) == 0 || allItems
            : types == SchemaTypes.Any && allItems && count > 0;
        json.Append(isArray ? "[" : "{");
        ReadOnlySpan<char> rest = value;
        bool first = true;
        while (NextElement(ref rest, out ReadOnlySpan<char> name, out ReadOnlySpan<char> inner))
        {
            if (!first)
            {
                json.Append(",");
            }

            first = false;
            JsonElement? childSchema;
            if (isArray)
            {
                childSchema = ItemsSchema(schema);
            }
            else
            {
                string key = new(name);
                AppendString(ref json, key);
                json.Append(":");
                childSchema = PropertySchema(schema, key);
            }

            if (!TryAppendElements(ref json, inner, childSchema, depthLeft - 1))
            {
                return false;
            }
        }

        json.Append(isArray ? "]" : "}");
        return true;
    }

    // Whether a value is only elements (and white space between them), all well nested.
    private static bool IsElementSequence(ReadOnlySpan<char> value, out int count, out bool allItems)
    {
        count = 0;
        allItems = true;
        ReadOnlySpan<char> rest = value;
        while (!rest.Trim().IsEmpty)
        {
            if (!NextElement(ref rest, out ReadOnlySpan<char> name, out _))
            {
                return false;
            }

            count++;
            allItems &= name.SequenceEqual(ItemElement);
        }

        return count > 0;
    }

    // Reads the next element of a sequence: TOKEN<name>inner TOKEN</name>, with nested elements counted.
    private static bool NextElement(ref ReadOnlySpan<char> rest, out ReadOnlySpan<char> name, out ReadOnlySpan<char> inner)
    {
        name = default;
        inner = default;
        ReadOnlySpan<char> text = rest.TrimStart();
        if (!text.StartsWith(TagOpen, StringComparison.Ordinal))
        {
            return false;
        }

        text = text[TagOpen.Length..];
        int close = text.IndexOf('>');
        if (close <= 0 || text[0] == '/')
        {
            return false;
        }

        name = text[..close];
        ReadOnlySpan<char> body = text[(close + 1)..];
        int depth = 0;
        int i = 0;
        while (true)
        {
            int tag = body[i..].IndexOf(TagOpen, StringComparison.Ordinal);
            if (tag < 0)
            {
                return false;
            }

            int start = i + tag;
            int nameStart = start + TagOpen.Length;
            int end = body[nameStart..].IndexOf('>');
            if (end < 0)
            {
                return false;
            }

            ReadOnlySpan<char> tagName = body.Slice(nameStart, end);
            i = nameStart + end + 1;
            if (tagName.Length > 0 && tagName[0] == '/')
            {
                if (depth == 0)
                {
                    if (!tagName[1..].SequenceEqual(name))
                    {
                        return false;
                    }

                    inner = body[..start];
                    rest = body[i..];
                    return true;
                }

                depth--;
            }
            else
            {
                depth++;
            }
        }
    }

    private void BeginTag(State state)
    {
        _state = state;
        _tag.Clear();
    }

    private int ReadLayout(ReadOnlySpan<char> content, long offset)
    {
        int j = IndexOfNonSpace(content);
        if (j < 0)
        {
            Keep(content);
            return content.Length;
        }

        Keep(content[..j]);
        if (_state == State.Block && _afterCall)
        {
            Diagnose(ParserDiagnosticCodes.CallEndMarkerMissing, "A block of tool calls is not closed by its end tag.", offset + j);
            Surface();
        }
        else
        {
            FallBack(CallMalformed, "A block of tool calls holds text that is not a call or a parameter; the text is kept as text.", offset + j);
        }

        return j;
    }

    private int ReadTag(ReadOnlySpan<char> content, long offset)
    {
        int bad = content.IndexOfAny('<', '\n');
        int room = Math.Max(0, WrapperBudget - _tag.Length);
        if (bad >= 0 || content.Length > room)
        {
            int kept = bad >= 0 ? Math.Min(bad, room) : room;
            Keep(content[..kept]);
            FallBack(_state == State.InvokeTag ? ParserDiagnosticCodes.CallMissingName : CallMalformed, "A tag of a tool call is malformed; the text is kept as text.", offset + kept);
            return kept;
        }

        Keep(content);
        _tag.Append(content);
        return content.Length;
    }

    private void StartInvoke(long end)
    {
        string name = XmlFunctionCallReader.ReadName(_tag.Span, namedAttributes: false, ref _names, out _);
        if (name.Length == 0)
        {
            FallBack(ParserDiagnosticCodes.CallMissingName, "A tool call has no name; the text is kept as text.", end);
            return;
        }

        if (!TryStartCall(name, end))
        {
            _state = State.Skip;
            _afterCall = true;
            return;
        }

        _toolSchema = ToolSchema(Options, name);
        _state = State.Body;
    }

    private void BeginValue(long end)
    {
        ReadOnlySpan<char> key = _tag.Span.Trim();
        if (key.IsEmpty || key[0] == '/')
        {
            FallBack(CallMalformed, $"The call to '{CallName}' holds a closing tag where a parameter should open; the text is kept as text.", end);
            return;
        }

        string name = new(key);
        _parameterSchema = PropertySchema(_toolSchema, name);
        _depth = 0;
        _state = BeginParameter(name, TypesOf(_parameterSchema), stripNewlines: false, end) ? State.Value : State.Skip;
    }

    private void EndValueTag(long end)
    {
        ReadOnlySpan<char> tag = _tag.Span;
        bool isClose = tag.Length > 0 && tag[0] == '/';
        if (isClose && _depth == 0)
        {
            _state = EndParameter(end) ? State.Body : State.Skip;
            return;
        }

        // An element inside the value: keep it, as written, in the value.
        _depth += isClose ? -1 : 1;
        bool active = AppendParameter(TagOpen, end) && AppendParameter(tag, end) && AppendParameter(">", end);
        _state = active ? State.Value : State.Skip;
    }
}
