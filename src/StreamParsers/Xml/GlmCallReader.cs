using System.Text.Json;
using static ToolFlow.StreamParsers.SchemaValueConverter;

namespace ToolFlow.StreamParsers;

/// <summary>
/// Reads GLM-4.5/4.6/4.7 calls: <c>&lt;tool_call&gt;NAME\n&lt;arg_key&gt;K&lt;/arg_key&gt;\n&lt;arg_value&gt;V&lt;/arg_value&gt;\n&lt;/tool_call&gt;</c>
/// (4.7 writes no newlines).
/// </summary>
/// <remarks>
/// The call starts when its name ends (at a line break or the first tag), and completes at
/// <c>&lt;/tool_call&gt;</c>. Between tags, white space and escaped layout written as text (<c>\n</c>, as some
/// GLM outputs carry it) are allowed. Values are taken exactly as written and typed by the tool's schema.
/// </remarks>
internal sealed class GlmCallReader : XmlParameterCallReader
{
    private const int KeyOpen = 0;

    private static readonly XmlMarkerSet s_callMarkers = new("<arg_key>", "</tool_call>");
    private static readonly XmlMarkerSet s_keyMarkers = new("</arg_key>");
    private static readonly XmlMarkerSet s_valueOpenMarkers = new("<arg_value>");
    private static readonly XmlMarkerSet s_valueMarkers = new("</arg_value>");
    private static readonly XmlMarkerSet s_skipMarkers = new("</tool_call>");

    private State _state;
    private PooledCharBuffer _tag;
    private bool _escape;
    private JsonElement? _toolSchema;
    private string _toolName = string.Empty;
    private ParameterTypeCache _typeCache;
    private NameTable _names;

    /// <summary>Initializes a reader.</summary>
    /// <param name="options">Limits and tool schemas.</param>
    public GlmCallReader(ToolCallParserOptions options)
        : base(options, ["<tool_call>"], new ReasoningSyntax("<think>", "</think>", MayOpenInPrompt: true))
    {
    }

    private enum State : byte
    {
        Name,
        Arguments,
        Key,
        BeforeValue,
        Value,
        Skip,
    }

    /// <inheritdoc/>
    protected override XmlMarkerSet CallMarkers => _state switch
    {
        State.Name or State.Arguments => s_callMarkers,
        State.Key => s_keyMarkers,
        State.BeforeValue => s_valueOpenMarkers,
        State.Value => s_valueMarkers,
        _ => s_skipMarkers,
    };

    /// <inheritdoc/>
    protected override void OnEnter(int entry, long end)
    {
        _state = State.Name;
        _tag.Clear();
    }

    /// <inheritdoc/>
    protected override int OnCallContent(ReadOnlySpan<char> content, long offset)
    {
        switch (_state)
        {
            case State.Name:
                return ReadName(content, offset);
            case State.Arguments:
            case State.BeforeValue:
                return ReadLayout(content, offset);
            case State.Key:
                int room = Math.Max(0, WrapperBudget - _tag.Length);
                if (content.Length > room)
                {
                    Keep(content[..room]);
                    FallBack(CallMalformed, $"A parameter name of the call to '{CallName}' is too long; the text is kept as text.", offset + room);
                    return room;
                }

                Keep(content);
                _tag.Append(content);
                return content.Length;
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
        _escape = false;
        switch (_state)
        {
            case State.Name:
                if (TryStart(end))
                {
                    ReadCallMarker(id, end);
                }
                else if (id != KeyOpen)
                {
                    Leave();
                }

                break;
            case State.Arguments:
                ReadCallMarker(id, end);
                break;
            case State.Key:
                string key = new(_tag.Span.Trim());
                if (key.Length == 0)
                {
                    FallBack(CallMalformed, $"A parameter of the call to '{CallName}' has no name; the text is kept as text.", end);
                    break;
                }

                _tag.Clear();
                _tag.Append(key);
                _state = State.BeforeValue;
                break;
            case State.BeforeValue:
                string name = _names.Get(_tag.Span);
                _state = BeginParameter(name, _typeCache.Of(_toolName, _toolSchema, name), stripNewlines: false, end) ? State.Value : State.Skip;
                break;
            case State.Value:
                _state = EndParameter(end) ? State.Arguments : State.Skip;
                break;
            default:
                Leave();
                break;
        }
    }

    /// <inheritdoc/>
    protected override void OnCallEnd(long end)
    {
        switch (_state)
        {
            case State.Name:
                EndBeforeCall("a tool call before its name ended.", end);
                break;
            default:
                EndInsideCall(isSkipping: _state == State.Skip, end);
                break;
        }

        _tag.Release();
    }

    private void ReadCallMarker(int id, long end)
    {
        if (id == KeyOpen)
        {
            _tag.Clear();
            _state = State.Key;
        }
        else
        {
            CompleteCall(end, ToolCallCompletionReason.EndMarker);
            Leave();
        }
    }

    private int ReadName(ReadOnlySpan<char> content, long offset)
    {
        int i = 0;
        while (i < content.Length)
        {
            ReadOnlySpan<char> rest = content[i..];
            int stop = rest.IndexOfAny('\n', '<');
            int room = Math.Max(0, WrapperBudget - _tag.Length);
            if ((stop < 0 ? rest.Length : stop) > room)
            {
                Keep(rest[..room]);
                FallBack(ParserDiagnosticCodes.CallMissingName, "A tool call's name is too long; the text is kept as text.", offset + i + room);
                return i + room;
            }

            if (stop < 0)
            {
                Keep(rest);
                _tag.Append(rest);
                return content.Length;
            }

            Keep(rest[..stop]);
            _tag.Append(rest[..stop]);
            i += stop;
            if (rest[stop] == '<')
            {
                FallBack(ParserDiagnosticCodes.CallMissingName, "A tool call's name is followed by an unexpected tag; the text is kept as text.", offset + i);
                return i;
            }

            if (IndexOfNonSpace(_tag.Span) >= 0)
            {
                // The line break ends the name; it is layout, read in the next state.
                if (!TryStart(offset + i))
                {
                    _state = State.Skip;
                }

                return i;
            }

            Keep("\n");
            _tag.Append("\n");
            i++;
        }

        return i;
    }

    private bool TryStart(long end)
    {
        ReadOnlySpan<char> name = _tag.Span.Trim();
        while (name.EndsWith("\\n"))
        {
            // Layout written as text: "todo_write\n<arg_key>".
            name = name[..^2].TrimEnd();
        }

        if (name.IsEmpty)
        {
            FallBack(ParserDiagnosticCodes.CallMissingName, "A tool call has no name; the text is kept as text.", end);
            return false;
        }

        string tool = _names.Get(name);
        _tag.Clear();
        if (!TryStartCall(tool, end))
        {
            _state = State.Skip;
            return false;
        }

        _toolSchema = ToolSchema(Options, tool);
        _toolName = tool;
        _state = State.Arguments;
        return true;
    }

    private int ReadLayout(ReadOnlySpan<char> content, long offset)
    {
        for (int i = 0; i < content.Length; i++)
        {
            char c = content[i];
            bool isLayout;
            if (_escape)
            {
                _escape = false;
                isLayout = c is 'n' or 'r' or 't';
            }
            else
            {
                _escape = c == '\\';
                isLayout = _escape || IsSpace(c);
            }

            if (!isLayout)
            {
                Keep(content[..i]);
                FallBack(CallMalformed, $"The call to '{CallName}' holds text that is not a parameter; the text is kept as text.", offset + i);
                return i;
            }
        }

        Keep(content);
        return content.Length;
    }
}
