using System.Text.Json;
using static ToolFlow.StreamParsers.SchemaValueConverter;

namespace ToolFlow.StreamParsers;

/// <summary>
/// Reads the "block, invoke, parameter" formats described by an <see cref="XmlFunctionDialect"/>: Qwen3-Coder,
/// Seed-OSS, MiniMax-M2, DeepSeek V3.2 and V4.
/// </summary>
/// <remarks>
/// <para>
/// A block (<c>&lt;tool_call&gt;</c>) holds calls separated by white space. A call starts when its opening tag
/// closes (<c>&lt;function=NAME&gt;</c>), holds parameter elements separated by white space, and completes at its
/// closing tag (<see cref="ToolCallCompletionReason.EndMarker"/>), or at once for a self-closing tag. A parameter
/// whose schema makes it a string streams as a JSON string while it arrives; any other is typed by its schema
/// when it closes. A DeepSeek parameter's <c>string="true"</c> makes it a string, <c>string="false"</c> a typed
/// value. A DeepSeek call whose body is a JSON object instead completes when that object closes
/// (<see cref="ToolCallCompletionReason.JsonClosed"/>).
/// </para>
/// <para>
/// Anything else between elements ends the block: before a call completes, the block's markup is reported as
/// text with a diagnostic (a started call is aborted); after one, what follows is read as text. A block the input
/// ends in after its last call completed is fine.
/// </para>
/// </remarks>
internal sealed class XmlFunctionCallReader : XmlParameterCallReader
{
    private const int EntryBlock = 0;

    private readonly XmlFunctionDialect _dialect;
    private readonly XmlMarkerSet _blockMarkers;
    private readonly XmlMarkerSet _tagMarkers;
    private readonly XmlMarkerSet _bodyMarkers;
    private readonly XmlMarkerSet _valueMarkers;
    private readonly XmlMarkerSet _invokeCloseMarkers;

    private State _state;
    private bool _inBlock;
    private bool _afterCall;
    private bool _hasParameters;
    private PooledCharBuffer _tag;
    private JsonElement? _toolSchema;
    private string _toolName = string.Empty;
    private ParameterTypeCache _typeCache;
    private NameTable _names;
    private JsonBoundaryScanner _scanner;

    /// <summary>Initializes a reader.</summary>
    /// <param name="options">Limits and tool schemas.</param>
    /// <param name="dialect">The markup.</param>
    public XmlFunctionCallReader(ToolCallParserOptions options, XmlFunctionDialect dialect)
        : base(options, dialect.InvokeWithoutBlock ? [dialect.BlockOpen, dialect.InvokeOpen] : [dialect.BlockOpen], dialect.Reasoning)
    {
        _dialect = dialect;
        _blockMarkers = new XmlMarkerSet(dialect.InvokeOpen, dialect.BlockClose);
        _tagMarkers = dialect.SelfClosingInvoke ? new XmlMarkerSet(">", "/>") : new XmlMarkerSet(">");
        _bodyMarkers = new XmlMarkerSet(dialect.ParameterOpen, dialect.InvokeClose);
        _valueMarkers = new XmlMarkerSet(dialect.ParameterClose);
        _invokeCloseMarkers = new XmlMarkerSet(dialect.InvokeClose);
    }

    private enum State : byte
    {
        Block,
        InvokeTag,
        Body,
        ParameterTag,
        Value,
        JsonBody,
        AfterJson,
        Skip,
    }

    /// <inheritdoc/>
    protected override XmlMarkerSet CallMarkers => _state switch
    {
        State.Block => _blockMarkers,
        State.InvokeTag or State.ParameterTag => _tagMarkers,
        State.Body => _bodyMarkers,
        State.Value => _valueMarkers,
        State.JsonBody => XmlMarkerSet.None,
        _ => _invokeCloseMarkers,
    };

    /// <summary>Reads a name written alone (<c>NAME</c>, <c>"NAME"</c>) or as the <c>name</c> attribute.</summary>
    /// <param name="tag">The tag text after its marker.</param>
    /// <param name="namedAttributes">Whether the tag holds named attributes.</param>
    /// <param name="names">The names read before, to return one of them when it is the same.</param>
    /// <param name="isString">The <c>string</c> attribute, when there is one.</param>
    /// <returns>The name, empty when there is none.</returns>
    internal static string ReadName(ReadOnlySpan<char> tag, bool namedAttributes, ref NameTable names, out bool? isString)
    {
        isString = null;
        if (!namedAttributes)
        {
            return names.Get(Unquote(tag.Trim()));
        }

        string name = string.Empty;
        ReadOnlySpan<char> rest = tag;
        while (true)
        {
            rest = rest.TrimStart();
            int equals = rest.IndexOf('=');
            if (equals <= 0)
            {
                return name;
            }

            ReadOnlySpan<char> attribute = rest[..equals].Trim();
            rest = rest[(equals + 1)..].TrimStart();
            ReadOnlySpan<char> value;
            if (rest.Length > 0 && rest[0] is '"' or '\'')
            {
                int close = rest[1..].IndexOf(rest[0]);
                value = close < 0 ? rest[1..] : rest.Slice(1, close);
                rest = close < 0 ? default : rest[(close + 2)..];
            }
            else
            {
                int space = rest.IndexOfAny(" \t\r\n");
                value = space < 0 ? rest : rest[..space];
                rest = space < 0 ? default : rest[space..];
            }

            if (attribute.SequenceEqual("name"))
            {
                name = names.Get(value.Trim());
            }
            else if (attribute.SequenceEqual("string"))
            {
                isString = value.Equals("true", StringComparison.OrdinalIgnoreCase);
            }
        }
    }

    /// <inheritdoc/>
    protected override void OnEnter(int entry, long end)
    {
        _inBlock = entry == EntryBlock;
        _afterCall = false;
        if (_inBlock)
        {
            _state = State.Block;
        }
        else
        {
            BeginTag(State.InvokeTag);
        }
    }

    /// <inheritdoc/>
    protected override int OnCallContent(ReadOnlySpan<char> content, long offset)
    {
        switch (_state)
        {
            case State.Block:
                return ReadBetweenCalls(content, offset);
            case State.InvokeTag:
            case State.ParameterTag:
                return ReadTag(content, offset);
            case State.Body:
                return ReadBody(content, offset);
            case State.Value:
                Keep(content);
                if (!AppendParameter(content, offset))
                {
                    _state = State.Skip;
                }

                return content.Length;
            case State.JsonBody:
                return ReadJsonBody(content, offset);
            case State.AfterJson:
                return ReadAfterJson(content, offset);
            default:
                // Skip: the rest of a call over a limit.
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
                EndInvokeTag(selfClosing: id == 1, end);
                break;
            case State.Body when id == 0:
                BeginTag(State.ParameterTag);
                break;
            case State.Body:
                CompleteCall(end, ToolCallCompletionReason.EndMarker);
                EndCall();
                break;
            case State.ParameterTag when id == 1:
                FallBack(CallMalformed, $"A parameter of the call to '{CallName}' is a self-closing tag; the text is kept as text.", end);
                break;
            case State.ParameterTag:
                BeginValue(end);
                break;
            case State.Value:
                _state = EndParameter(end) ? State.Body : State.Skip;
                break;
            default:
                // AfterJson or Skip: the call's closing tag.
                DropRaw();
                EndCall();
                break;
        }
    }

    /// <inheritdoc/>
    protected override void OnCallEnd(long end)
    {
        switch (_state)
        {
            case State.Block when _afterCall:
            case State.AfterJson:
                // A block the input ends in after a complete call is fine.
                Surface();
                break;
            case State.Block:
                EndBeforeCall("a block of tool calls before any call.", end);
                break;
            case State.InvokeTag:
                EndBeforeCall("a tool call before its name.", end);
                break;
            default:
                EndInsideCall(isSkipping: _state == State.Skip, end);
                break;
        }

        _tag.Release();
    }

    private static ReadOnlySpan<char> Unquote(ReadOnlySpan<char> text) =>
        text.Length >= 2 && text[0] is '"' or '\'' && text[^1] == text[0] ? text[1..^1] : text;

    private void BeginTag(State state)
    {
        _state = state;
        _tag.Clear();
    }

    private int ReadBetweenCalls(ReadOnlySpan<char> content, long offset)
    {
        int j = IndexOfNonSpace(content);
        if (j < 0)
        {
            Keep(content);
            return content.Length;
        }

        Keep(content[..j]);
        if (!_afterCall)
        {
            FallBack(CallMalformed, $"{_dialect.BlockOpen} is not followed by {_dialect.InvokeOpen}; the text is kept as text.", offset + j);
        }
        else
        {
            if (_inBlock)
            {
                Diagnose(ParserDiagnosticCodes.CallEndMarkerMissing, $"A block of tool calls is not closed by {_dialect.BlockClose}.", offset + j);
            }

            // The calls are out; what follows is text.
            Surface();
        }

        return j;
    }

    private int ReadTag(ReadOnlySpan<char> content, long offset)
    {
        // A name never holds a tag, nor (written alone) a line break: the markup is not this format.
        int bad = _dialect.NamedAttributes ? content.IndexOf('<') : content.IndexOfAny('<', '\n');
        int room = Math.Max(0, WrapperBudget - _tag.Length);
        if (bad >= 0 || content.Length > room)
        {
            int kept = bad >= 0 ? Math.Min(bad, room) : room;
            Keep(content[..kept]);
            string what = _state == State.InvokeTag ? "a tool call's name" : $"a parameter name of the call to '{CallName}'";
            FallBack(_state == State.InvokeTag ? ParserDiagnosticCodes.CallMissingName : CallMalformed, $"The tag of {what} is malformed; the text is kept as text.", offset + kept);
            return kept;
        }

        Keep(content);
        _tag.Append(content);
        return content.Length;
    }

    private void EndInvokeTag(bool selfClosing, long end)
    {
        string name = ReadName(_tag.Span, _dialect.NamedAttributes, ref _names, out _);
        if (name.Length == 0)
        {
            FallBack(ParserDiagnosticCodes.CallMissingName, "A tool call has no name; the text is kept as text.", end);
            return;
        }

        if (!TryStartCall(name, end))
        {
            _state = selfClosing ? State.Block : State.Skip;
            _afterCall = true;
            return;
        }

        _toolSchema = ToolSchema(Options, name);
        _toolName = name;
        _hasParameters = false;
        if (selfClosing)
        {
            CompleteCall(end, ToolCallCompletionReason.EndMarker);
            EndCall();
        }
        else
        {
            _state = State.Body;
        }
    }

    private int ReadBody(ReadOnlySpan<char> content, long offset)
    {
        int j = IndexOfNonSpace(content);
        if (j < 0)
        {
            Keep(content);
            return content.Length;
        }

        Keep(content[..j]);
        if (_dialect.JsonBody && content[j] == '{' && !_hasParameters)
        {
            _scanner = new JsonBoundaryScanner(Options.MaxDepth, reportMembers: false);
            _state = State.JsonBody;
            return j;
        }

        FallBack(CallMalformed, $"The call to '{CallName}' holds text that is not a parameter; the text is kept as text.", offset + j);
        return j;
    }

    private void BeginValue(long end)
    {
        string key = ReadName(_tag.Span, _dialect.NamedAttributes, ref _names, out bool? isString);
        if (key.Length == 0)
        {
            FallBack(CallMalformed, $"A parameter of the call to '{CallName}' has no name; the text is kept as text.", end);
            return;
        }

        _hasParameters = true;
        SchemaTypes types = _typeCache.Of(_toolName, _toolSchema, key);
        types = isString switch
        {
            true => SchemaTypes.String,
            false when types == SchemaTypes.String => SchemaTypes.Any,
            false => types & ~SchemaTypes.String,
            null => types,
        };

        _state = BeginParameter(key, types, _dialect.StripValueNewlines, end) ? State.Value : State.Skip;
    }

    private int ReadJsonBody(ReadOnlySpan<char> content, long offset)
    {
        int consumed = _scanner.Scan(content, out JsonScanEvent scanEvent);
        ReadOnlySpan<char> json = content[..consumed];
        Keep(json);
        long end = offset + consumed;
        if (!WriteJson(json, offset))
        {
            _state = State.Skip;
            return content.Length;
        }

        switch (scanEvent)
        {
            case JsonScanEvent.ValueCompleted:
                CompleteCall(end, ToolCallCompletionReason.JsonClosed, closeObject: false);
                _state = State.AfterJson;
                break;
            case JsonScanEvent.Error when _scanner.Error == JsonScanError.TooDeep:
                AbortCall(ParserDiagnosticCodes.ArgumentsTooDeep, $"The arguments of the call to '{CallName}' nest deeper than {Options.MaxDepth} levels; the call is skipped.", end);
                _state = State.Skip;
                return content.Length;
            case JsonScanEvent.Error:
                FallBack(ParserDiagnosticCodes.CallInvalidJson, $"The JSON body of the call to '{CallName}' is malformed; the text is kept as text.", end);
                break;
            default:
                break;
        }

        return consumed;
    }

    private int ReadAfterJson(ReadOnlySpan<char> content, long offset)
    {
        int j = IndexOfNonSpace(content);
        if (j < 0)
        {
            Keep(content);
            return content.Length;
        }

        Keep(content[..j]);
        Diagnose(ParserDiagnosticCodes.CallEndMarkerMissing, $"A call's JSON body is not followed by {_dialect.InvokeClose}.", offset + j);
        Surface();
        return j;
    }

    private void EndCall()
    {
        _state = State.Block;
        _afterCall = true;
    }
}
