using System.Buffers;
using System.Text.Json;

namespace ToolFlow.StreamParsers;

/// <summary>
/// The machinery behind the pythonic parsers (<see cref="PythonicToolCallParser"/>,
/// <see cref="Llama4PythonicToolCallParser"/>, <see cref="Olmo3ToolCallParser"/>, <see cref="Lfm2ToolCallParser"/>):
/// text with markers, and call lists such as <c>[get_weather(city='Paris', days=[1, 2]), now()]</c>, read once, a
/// character at most once, in any chunking.
/// </summary>
/// <remarks>
/// <para>
/// Text is reported as it arrives, except a trailing piece that may begin a marker or a call list (<c>[name</c>),
/// held until the next characters decide. A call starts when its name's <c>(</c> is read, its arguments stream as
/// the JSON object they translate to, and it completes at its closing <c>)</c>: the
/// <see cref="ParsedToolCall.Offset"/> is just past it. JSON calls in a block (LFM2) complete when their arguments
/// value closes, as <see cref="HermesToolCallParser"/> does.
/// </para>
/// <para>
/// Malformed input never throws and never stalls. A <c>[</c> that turns out not to start a call is text. Before a
/// call completes, anything that is not a call (a positional argument, a nested call, a bare name) aborts the call
/// with a diagnostic and the block's text from its start is surfaced as text; after a call completed, the text from
/// there on is. A call over a limit is aborted or dropped with a diagnostic and the rest of it is skipped.
/// </para>
/// </remarks>
internal sealed class PythonicParserCore
{
    // The most characters held outside arguments: before the first call, between calls, around a call's JSON.
    private const int WrapperBudget = 1024;
    private const int MaxNameLength = 256;

    // Bounds on the JSON one character of a value may add (an escaped control character), and on what a number
    // or constant adds at once when the character after it ends it.
    private const int MaxJsonPerCharacter = 10;
    private const int MaxJsonPerToken = 300;
    private const string ThinkStart = "<think>";
    private const string ThinkEnd = "</think>";

    private static readonly SearchValues<char> s_skipStops = SearchValues.Create("'\"()[]{}");

    private readonly PythonicDialect _dialect;
    private readonly ToolCallParserOptions _options;
    private readonly string[] _markers;
    private readonly MarkerKind[] _kinds;
    private readonly SearchValues<char>? _textStops;

    private Mode _mode;

    // Text: the held characters are the first _heldLength of _markers[_heldMarker].
    private int _heldMarker;
    private int _heldLength;

    // Reasoning: characters of </think> read; EndMarker: characters of the block's end marker read.
    private int _matched;
    private bool _sawText;
    private bool _isCompleted;

    // The call list or block being read.
    private bool _inBlock;
    private bool _bracketed;
    private bool _tentative;
    private bool _blockEmpty;

    // The raw text since the list or block began or its last call completed: surfaced as text when it turns out
    // not to be calls.
    private PooledCharBuffer _block;
    private PooledCharBuffer _name;
    private PooledCharBuffer _json;
    private int _jsonReported;
    private int _keywords;
    private PythonLiteralReader _reader;
    private string? _callName;

    // The block index where the current call's arguments begin (just past its '(').
    private int _argumentsRawStart;
    private int _callIndex;
    private int _startedCalls;
    private bool _isStarted;

    // Skipping the rest of a call that broke a limit, by bracket depth and quotes only.
    private int _skipDepth;
    private char _skipQuote;
    private bool _skipEscape;

    // A JSON call (LFM2): positions are in _block; its object begins at block index _objectStart, input position
    // _objectOrigin.
    private JsonBoundaryScanner _scanner;
    private int _objectStart;
    private long _objectOrigin;
    private bool _isJsonCall;
    private bool _isCallDone;
    private JsonMember _key;
    private JsonMember _value;
    private int _keyStart;
    private int _nameStart;
    private int _argumentsStart;
    private int _argumentsEnd;
    private int _argumentsReported;

    public PythonicParserCore(PythonicDialect dialect, ToolCallParserOptions options)
    {
        _dialect = dialect;
        _options = options;
        var markers = new List<string>(dialect.SilentMarkers);
        var kinds = new List<MarkerKind>(dialect.SilentMarkers.Select(_ => MarkerKind.Silent));
        if (dialect.BlockStart is not null)
        {
            markers.Add(dialect.BlockStart);
            kinds.Add(MarkerKind.Block);
        }

        if (dialect.Reasoning)
        {
            markers.Add(ThinkStart);
            kinds.Add(MarkerKind.Think);
        }

        _markers = [.. markers];
        _kinds = [.. kinds];
        if (dialect.Reasoning && options.ReasoningStartsOpen == true)
        {
            // The template opened the reasoning block: the response starts inside it, unless it begins with the
            // opener again or straight with a call block.
            _mode = Mode.Start;
        }

        string stops = (_markers.Length > 0 ? "<" : string.Empty) + (dialect.BareLists ? "[" : string.Empty);
        _textStops = stops.Length > 0 ? SearchValues.Create(stops) : null;

        // The arguments object is one level; its values may nest one level less than the limit.
        _reader = new PythonLiteralReader(options.MaxDepth - 1, jsonConstants: true);
    }

    private enum Mode : byte
    {
        Text,
        Start,
        Reasoning,
        BlockOpen,
        ListOpen,
        BeforeCall,
        Name,
        ArgumentStart,
        Keyword,
        AfterKeyword,
        Value,
        AfterArgument,
        AfterCall,
        Skip,
        JsonCall,
        JsonSkip,
        AfterList,
        EndMarker,
    }

    private enum MarkerKind : byte
    {
        Silent,
        Block,
        Think,
    }

    public void Append(ReadOnlySpan<char> chunk, long origin, IToolCallParserObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        if (_isCompleted)
        {
            throw new InvalidOperationException("The parser has already completed.");
        }

        int i = 0;
        while (i < chunk.Length)
        {
            i = _mode switch
            {
                Mode.Text => ReadText(chunk, i, origin, observer),
                Mode.Start => ReadStart(chunk, i, observer),
                Mode.Reasoning => ReadReasoning(chunk, i, observer),
                Mode.Value => ReadValue(chunk, i, origin, observer),
                Mode.Skip => Skip(chunk, i),
                Mode.JsonCall or Mode.JsonSkip => ReadJson(chunk, i, origin, observer),
                _ => Step(chunk, i, origin, observer),
            };

            // Structural characters are read one at a time, so the limits are met at the same character however
            // the input is split.
            if (_mode is not (Mode.Start or Mode.Text or Mode.Reasoning or Mode.Value or Mode.Skip or Mode.JsonCall or Mode.JsonSkip) &&
                (_isStarted ? IsOverLength() : _block.Length > WrapperBudget))
            {
                i = ExceedBudget(observer, origin + i - 1, i);
            }
        }

        ReportArguments(observer, int.MaxValue);
    }

    public void Complete(long position, IToolCallParserObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        if (_isCompleted)
        {
            return;
        }

        _isCompleted = true;
        switch (_mode)
        {
            case Mode.Start:
                // Only the start of the reasoning came.
                if (_block.Length > 0)
                {
                    observer.OnReasoning(_block.Span);
                }

                if (_heldLength > 0)
                {
                    observer.OnReasoning(_markers[_heldMarker].AsSpan(0, _heldLength));
                }

                break;
            case Mode.Text:
                if (_heldLength > 0)
                {
                    EmitText(observer, _markers[_heldMarker].AsSpan(0, _heldLength));
                }

                break;
            case Mode.Reasoning:
                if (_matched > 0)
                {
                    observer.OnReasoning(ThinkEnd.AsSpan(0, _matched));
                }

                break;
            case Mode.Skip or Mode.JsonSkip:
                Diagnose(observer, ParserDiagnosticCodes.CallUnterminated, "The response ended inside a tool call that was being skipped.", position);
                break;
            case Mode.JsonCall when _isCallDone:
                Diagnose(observer, ParserDiagnosticCodes.CallUnterminated, "The response ended before the tool call's JSON object closed; the call had already completed.", position);
                break;
            default:
                if (_isStarted)
                {
                    // As in HermesToolCallParser: a started call is aborted, not surfaced as text.
                    ReportArguments(observer, int.MaxValue);
                    Abort(observer, ParserDiagnosticCodes.CallUnterminated, $"The response ended inside the call to '{_callName}'.", position);
                    break;
                }

                if (!_tentative)
                {
                    string message = _inBlock
                        ? $"The response ended before {_dialect.BlockEnd}."
                        : "The response ended before the call list's closing ']'.";
                    Diagnose(observer, _inBlock ? ParserDiagnosticCodes.CallEndMarkerMissing : ParserDiagnosticCodes.CallUnterminated, message, position);
                }

                EmitText(observer, _block.Span);
                break;
        }

        _heldLength = 0;
        _block.Release();
        _name.Release();
        _json.Release();
    }

    // The response started inside the reasoning block: leading whitespace and what may be <think> or a call block's
    // marker are held (whitespace in _block) until the first other character decides.
    private int ReadStart(ReadOnlySpan<char> chunk, int i, IToolCallParserObserver observer)
    {
        while (i < chunk.Length)
        {
            char c = chunk[i];
            if (_heldLength == 0 && IsWhitespace(c))
            {
                _block.Append(chunk.Slice(i, 1));
                i++;
                continue;
            }

            int next = -1;
            for (int m = 0; m < _markers.Length && next < 0; m++)
            {
                string marker = _markers[m];
                if (_kinds[m] != MarkerKind.Silent && marker.Length > _heldLength && marker[_heldLength] == c &&
                    (_heldLength == 0 || marker.AsSpan().StartsWith(_markers[_heldMarker].AsSpan(0, _heldLength))))
                {
                    next = m;
                }
            }

            if (next < 0)
            {
                // Reasoning, open since the prompt: the held characters are its first ones.
                _mode = Mode.Reasoning;
                _matched = 0;
                _sawText = true;
                if (_block.Length > 0)
                {
                    observer.OnReasoning(_block.Span);
                    _block.Clear();
                }

                ReadOnlySpan<char> held = _markers[_heldMarker].AsSpan(0, _heldLength);
                _heldLength = 0;
                for (int k = 0; k < held.Length;)
                {
                    k = ReadReasoning(held, k, observer);
                }

                return i;
            }

            _heldMarker = next;
            i++;
            if (++_heldLength == _markers[next].Length)
            {
                // <think> again, or no reasoning at all: a call block first.
                _heldLength = 0;
                if (_kinds[next] == MarkerKind.Think && _block.Length > 0)
                {
                    observer.OnReasoning(_block.Span);
                }
                else if (_block.Length > 0)
                {
                    observer.OnText(_block.Span);
                }

                _block.Clear();
                _mode = Mode.Text;
                OnMarker(next, observer);
                return i;
            }
        }

        return i;
    }

    private int ReadText(ReadOnlySpan<char> chunk, int i, long origin, IToolCallParserObserver observer)
    {
        // Continue a marker held from the previous chunk.
        while (_heldLength > 0 && i < chunk.Length)
        {
            int next = ContinueMarker(chunk[i]);
            if (next < 0)
            {
                EmitText(observer, _markers[_heldMarker].AsSpan(0, _heldLength));
                _heldLength = 0;
                break;
            }

            _heldMarker = next;
            i++;
            if (++_heldLength == _markers[next].Length)
            {
                _heldLength = 0;
                OnMarker(next, observer);
                return i;
            }
        }

        if (i == chunk.Length)
        {
            return i;
        }

        int start = i;
        while (true)
        {
            int stop = _textStops is null ? -1 : chunk[i..].IndexOfAny(_textStops);
            if (stop < 0)
            {
                EmitText(observer, chunk[start..]);
                return chunk.Length;
            }

            int at = i + stop;
            if (chunk[at] == '[')
            {
                EmitText(observer, chunk[start..at]);
                BeginList(inBlock: false, "[");
                return at + 1;
            }

            ReadOnlySpan<char> candidate = chunk[at..];
            bool onlyWhitespaceBefore = !_sawText && !chunk[start..at].ContainsAnyExcept(" \t\r\n");
            int partial = -1;
            for (int m = 0; m < _markers.Length; m++)
            {
                if (_kinds[m] == MarkerKind.Think && !onlyWhitespaceBefore)
                {
                    continue;
                }

                int common = candidate.CommonPrefixLength(_markers[m]);
                if (common == _markers[m].Length)
                {
                    EmitText(observer, chunk[start..at]);
                    OnMarker(m, observer);
                    return at + common;
                }

                if (common == candidate.Length)
                {
                    partial = m;
                }
            }

            if (partial >= 0)
            {
                // The chunk ends with what may be the start of a marker: hold it.
                EmitText(observer, chunk[start..at]);
                _heldMarker = partial;
                _heldLength = candidate.Length;
                return chunk.Length;
            }

            i = at + 1;
        }
    }

    // The marker that the held characters followed by c begin, or -1.
    private int ContinueMarker(char c)
    {
        ReadOnlySpan<char> held = _markers[_heldMarker].AsSpan(0, _heldLength);
        for (int m = 0; m < _markers.Length; m++)
        {
            string marker = _markers[m];
            if (marker.Length > _heldLength && marker[_heldLength] == c && marker.AsSpan().StartsWith(held) &&
                (_kinds[m] != MarkerKind.Think || !_sawText))
            {
                return m;
            }
        }

        return -1;
    }

    private void OnMarker(int marker, IToolCallParserObserver observer)
    {
        switch (_kinds[marker])
        {
            case MarkerKind.Think:
                _sawText = true;
                _mode = Mode.Reasoning;
                _matched = 0;
                break;
            case MarkerKind.Block:
                _sawText = true;
                BeginList(inBlock: true, _markers[marker]);
                break;
            default:
                break;
        }
    }

    private int ReadReasoning(ReadOnlySpan<char> chunk, int i, IToolCallParserObserver observer)
    {
        while (_matched > 0 && i < chunk.Length)
        {
            if (chunk[i] != ThinkEnd[_matched])
            {
                observer.OnReasoning(ThinkEnd.AsSpan(0, _matched));
                _matched = 0;
                break;
            }

            i++;
            if (++_matched == ThinkEnd.Length)
            {
                _matched = 0;
                _mode = Mode.Text;
                return i;
            }
        }

        if (i == chunk.Length)
        {
            return i;
        }

        int start = i;
        while (true)
        {
            int lessThan = chunk[i..].IndexOf('<');
            if (lessThan < 0)
            {
                observer.OnReasoning(chunk[start..]);
                return chunk.Length;
            }

            int at = i + lessThan;
            ReadOnlySpan<char> candidate = chunk[at..];
            int common = candidate.CommonPrefixLength(ThinkEnd);
            if (common == ThinkEnd.Length || common == candidate.Length)
            {
                if (at > start)
                {
                    observer.OnReasoning(chunk[start..at]);
                }

                if (common == ThinkEnd.Length)
                {
                    _mode = Mode.Text;
                }
                else
                {
                    _matched = common;
                }

                return at + common;
            }

            i = at + 1;
        }
    }

    private void BeginList(bool inBlock, string opener)
    {
        _inBlock = inBlock;
        _bracketed = !inBlock;
        _tentative = !inBlock;
        _blockEmpty = true;
        _block.Clear();
        _block.Append(opener);
        _mode = inBlock ? Mode.BlockOpen : Mode.ListOpen;
    }

    // One character of the list's structure.
    private int Step(ReadOnlySpan<char> chunk, int i, long origin, IToolCallParserObserver observer)
    {
        char c = chunk[i];
        long at = origin + i;
        switch (_mode)
        {
            case Mode.BlockOpen:
                if (IsWhitespace(c))
                {
                    return Take(chunk, i);
                }

                if (c == '[')
                {
                    _bracketed = true;
                    _mode = Mode.ListOpen;
                    return Take(chunk, i);
                }

                if (c == '<')
                {
                    _mode = Mode.EndMarker;
                    _matched = 0;
                    return i;
                }

                return BeginCall(chunk, i, origin, observer);

            case Mode.ListOpen:
                if (IsWhitespace(c))
                {
                    return Take(chunk, i);
                }

                if (c == ']' && _inBlock)
                {
                    _mode = Mode.AfterList;
                    return Take(chunk, i);
                }

                return BeginCall(chunk, i, origin, observer);

            case Mode.BeforeCall:
                if (IsWhitespace(c))
                {
                    return Take(chunk, i);
                }

                if (c == ']' && _bracketed)
                {
                    i = Take(chunk, i);
                    EndList();
                    return i;
                }

                if (c == '<' && _inBlock && !_bracketed)
                {
                    _mode = Mode.EndMarker;
                    _matched = 0;
                    return i;
                }

                return BeginCall(chunk, i, origin, observer);

            case Mode.Name:
                if (IsNameChar(c))
                {
                    if (_name.Length == MaxNameLength)
                    {
                        return Fail(observer, PythonicDiagnosticCodes.CallInvalidSyntax, $"A tool name is longer than {MaxNameLength} characters.", at, i);
                    }

                    _name.Append(chunk.Slice(i, 1));
                    return Take(chunk, i);
                }

                if (c == '(')
                {
                    i = Take(chunk, i);
                    StartCall(observer, origin + i);
                    return i;
                }

                return Fail(observer, PythonicDiagnosticCodes.CallInvalidSyntax, $"A tool name must be followed by '(', found {Describe(c)}.", at, i);

            case Mode.ArgumentStart:
                if (IsWhitespace(c))
                {
                    return Take(chunk, i);
                }

                if (c == ')')
                {
                    i = Take(chunk, i);
                    CompleteCall(observer, origin + i);
                    return i;
                }

                if (IsNameStart(c))
                {
                    _json.Append(_keywords++ > 0 ? ",\"" : "\"");
                    _json.Append(chunk.Slice(i, 1));
                    _mode = Mode.Keyword;
                    return Take(chunk, i);
                }

                return Fail(
                    observer,
                    PythonicDiagnosticCodes.CallInvalidSyntax,
                    IsValueStart(c)
                        ? $"The call to '{_callName}' has a positional argument; only name=value arguments are supported."
                        : $"Expected an argument name or ')' in the call to '{_callName}', found {Describe(c)}.",
                    at,
                    i);

            case Mode.Keyword:
                if (char.IsLetterOrDigit(c) || c == '_')
                {
                    _json.Append(chunk.Slice(i, 1));
                    return Take(chunk, i);
                }

                if (IsWhitespace(c))
                {
                    _mode = Mode.AfterKeyword;
                    return Take(chunk, i);
                }

                goto case Mode.AfterKeyword;

            case Mode.AfterKeyword:
                if (IsWhitespace(c))
                {
                    return Take(chunk, i);
                }

                if (c == '=')
                {
                    _json.Append("\":");
                    _reader.Reset();
                    _mode = Mode.Value;
                    return Take(chunk, i);
                }

                return Fail(
                    observer,
                    PythonicDiagnosticCodes.CallInvalidSyntax,
                    c == '('
                        ? $"The call to '{_callName}' has a call as an argument; nested calls are not supported."
                        : $"The call to '{_callName}' has an argument that is not name=value (found {Describe(c)}).",
                    at,
                    i);

            case Mode.AfterArgument:
                if (IsWhitespace(c))
                {
                    return Take(chunk, i);
                }

                if (c == ',')
                {
                    _mode = Mode.ArgumentStart;
                    return Take(chunk, i);
                }

                if (c == ')')
                {
                    i = Take(chunk, i);
                    CompleteCall(observer, origin + i);
                    return i;
                }

                return Fail(observer, PythonicDiagnosticCodes.CallInvalidSyntax, $"Expected ',' or ')' in the call to '{_callName}', found {Describe(c)}.", at, i);

            case Mode.AfterCall:
                if (c == '\n' && !_bracketed)
                {
                    _mode = Mode.BeforeCall;
                    return Take(chunk, i);
                }

                if (IsWhitespace(c))
                {
                    return Take(chunk, i);
                }

                if (c == ',')
                {
                    _mode = Mode.BeforeCall;
                    return Take(chunk, i);
                }

                if (c == ']' && _bracketed)
                {
                    i = Take(chunk, i);
                    EndList();
                    return i;
                }

                if (c == '<' && _inBlock && !_bracketed)
                {
                    _mode = Mode.EndMarker;
                    _matched = 0;
                    return i;
                }

                return Fail(
                    observer,
                    PythonicDiagnosticCodes.CallInvalidSyntax,
                    _bracketed ? $"Expected ',' or ']' after a call, found {Describe(c)}." : $"Expected a new line, ',' or {_dialect.BlockEnd} after a call, found {Describe(c)}.",
                    at,
                    i);

            case Mode.AfterList:
                if (IsWhitespace(c))
                {
                    return Take(chunk, i);
                }

                if (c == '<')
                {
                    _mode = Mode.EndMarker;
                    _matched = 0;
                    return i;
                }

                return Fail(observer, ParserDiagnosticCodes.CallEndMarkerMissing, $"A call list is not followed by {_dialect.BlockEnd}.", at, i);

            default:
                // The block's end marker.
                string end = _dialect.BlockEnd!;
                if (c != end[_matched])
                {
                    return Fail(observer, ParserDiagnosticCodes.CallEndMarkerMissing, $"Expected {end}, found {Describe(c)}.", at, i);
                }

                i = Take(chunk, i);
                if (++_matched == end.Length)
                {
                    if (_blockEmpty)
                    {
                        Diagnose(observer, PythonicDiagnosticCodes.CallBlockEmpty, $"A {_dialect.BlockStart} block holds no tool call.", origin + i);
                    }

                    ResetList();
                }

                return i;
        }
    }

    // Adds one character to the block.
    private int Take(ReadOnlySpan<char> chunk, int i)
    {
        _block.Append(chunk.Slice(i, 1));
        return i + 1;
    }

    // The block holds more than a call may (offset: the first character past the limit): skip the call, or give up
    // on the block.
    private int ExceedBudget(IToolCallParserObserver observer, long offset, int i)
    {
        if (_isStarted)
        {
            ExceedLength(observer, offset);
            return i;
        }

        return Fail(observer, PythonicDiagnosticCodes.CallInvalidSyntax, "A tool call block holds too much text outside calls.", offset, i);
    }

    private int BeginCall(ReadOnlySpan<char> chunk, int i, long origin, IToolCallParserObserver observer)
    {
        char c = chunk[i];
        if (IsNameStart(c))
        {
            _name.Clear();
            _blockEmpty = false;
            _mode = Mode.Name;
            return i;
        }

        if (c == '{' && _inBlock && _dialect.JsonInBlocks)
        {
            _blockEmpty = false;
            BeginJsonCall(origin + i);
            return i;
        }

        return Fail(observer, PythonicDiagnosticCodes.CallInvalidSyntax, $"Expected a tool call, found {Describe(c)}.", origin + i, i);
    }

    private void StartCall(IToolCallParserObserver observer, long end)
    {
        _tentative = false;
        _callName = new string(_name.Span);
        if (_startedCalls >= _options.MaxCallsPerResponse)
        {
            Diagnose(observer, ParserDiagnosticCodes.TooManyCalls, $"The response has more than {_options.MaxCallsPerResponse} tool calls; the call to '{_callName}' is dropped.", end);
            BeginSkip(1, '\0');
            return;
        }

        _callIndex = _startedCalls++;
        _isStarted = true;
        _isJsonCall = false;
        observer.OnCallStarted(_callIndex, null, _callName);
        _json.Clear();
        _json.Append("{");
        _jsonReported = 0;
        _keywords = 0;
        _argumentsRawStart = _block.Length;
        _mode = Mode.ArgumentStart;
    }

    private int ReadValue(ReadOnlySpan<char> chunk, int i, long origin, IToolCallParserObserver observer)
    {
        // The arguments JSON may hold MaxArgumentsLength characters and their Python text WrapperBudget more. Read
        // no more at once than cannot pass either limit, and near them a character at a time, so that a limit is
        // met at the same character however the input is split.
        int rawRoom = _options.MaxArgumentsLength + WrapperBudget - (_block.Length - _argumentsRawStart);
        int jsonRoom = _options.MaxArgumentsLength - _json.Length;
        int safe = jsonRoom > MaxJsonPerToken ? Math.Max((jsonRoom - MaxJsonPerToken) / MaxJsonPerCharacter, 1) : 1;
        int length = Math.Min(chunk.Length - i, Math.Min(rawRoom + 1, safe));
        int consumed = _reader.Read(chunk.Slice(i, length), ref _json, out PythonLiteralStatus status);
        int next = i + consumed;
        _block.Append(chunk[i..next]);
        switch (status)
        {
            case PythonLiteralStatus.Completed:
                _mode = Mode.AfterArgument;
                break;
            case PythonLiteralStatus.Error when _reader.IsTooDeep:
                ReportArguments(observer, int.MaxValue);
                Abort(observer, ParserDiagnosticCodes.ArgumentsTooDeep, $"The arguments of the call to '{_callName}' nest deeper than {_options.MaxDepth} levels; the call is skipped.", origin + next);
                BeginSkip(1 + _reader.Depth, '\0');
                return next;
            case PythonLiteralStatus.Error:
                return Fail(observer, PythonicDiagnosticCodes.CallInvalidSyntax, $"The call to '{_callName}' is malformed: {_reader.ErrorMessage}", origin + next, next);
            default:
                break;
        }

        if (IsOverLength())
        {
            // A number's JSON is written when the character after it is read, and that character is not consumed.
            ExceedLength(observer, consumed > 0 ? origin + next - 1 : origin + next);
        }

        return next;
    }

    private bool IsOverLength() =>
        _json.Length > _options.MaxArgumentsLength || _block.Length - _argumentsRawStart > _options.MaxArgumentsLength + WrapperBudget;

    private void ExceedLength(IToolCallParserObserver observer, long offset)
    {
        int depth = _mode == Mode.Value ? 1 + _reader.Depth : 1;
        char quote = _mode == Mode.Value ? _reader.OpenQuote : '\0';
        bool escape = _mode == Mode.Value && _reader.IsEscapePending;
        bool isJson = _isJsonCall;
        ReportArguments(observer, _options.MaxArgumentsLength);
        Abort(observer, ParserDiagnosticCodes.ArgumentsTooLong, $"The arguments of the call to '{_callName}' are longer than {_options.MaxArgumentsLength} characters; the call is skipped.", offset);
        if (isJson)
        {
            _block.Clear();
            _mode = Mode.JsonSkip;
        }
        else
        {
            BeginSkip(depth, quote);
            _skipEscape = escape;
        }
    }

    private void BeginSkip(int depth, char quote)
    {
        _block.Clear();
        _skipDepth = depth;
        _skipQuote = quote;
        _skipEscape = false;
        _mode = Mode.Skip;
    }

    // Skips to the parenthesis that closes the call, following only quotes and brackets.
    private int Skip(ReadOnlySpan<char> chunk, int i)
    {
        while (i < chunk.Length)
        {
            if (_skipEscape)
            {
                _skipEscape = false;
                i++;
                continue;
            }

            if (_skipQuote != '\0')
            {
                int stop = chunk[i..].IndexOfAny(_skipQuote, '\\');
                if (stop < 0)
                {
                    return chunk.Length;
                }

                i += stop;
                if (chunk[i] == '\\')
                {
                    _skipEscape = true;
                }
                else
                {
                    _skipQuote = '\0';
                }

                i++;
                continue;
            }

            int at = chunk[i..].IndexOfAny(s_skipStops);
            if (at < 0)
            {
                return chunk.Length;
            }

            i += at;
            char c = chunk[i++];
            switch (c)
            {
                case '\'' or '"':
                    _skipQuote = c;
                    break;
                case '(' or '[' or '{':
                    _skipDepth++;
                    break;
                default:
                    if (--_skipDepth == 0)
                    {
                        _block.Clear();
                        _mode = Mode.AfterCall;
                        return i;
                    }

                    break;
            }
        }

        return i;
    }

    private void CompleteCall(IToolCallParserObserver observer, long end)
    {
        if (_json.Length >= _options.MaxArgumentsLength)
        {
            // The closing brace would pass the limit; the call is over, nothing is left to skip.
            ExceedLength(observer, end - 1);
            _block.Clear();
            _mode = Mode.AfterCall;
            return;
        }

        _json.Append("}");
        Finish(observer, new string(_json.Span), end);
        _mode = Mode.AfterCall;
    }

    private void Finish(IToolCallParserObserver observer, string json, long end)
    {
        ReportArguments(observer, int.MaxValue);
        JsonElement? arguments = JsonArguments.Parse(json, _options.MaxDepth, out string? error, out string? code);
        if (code is not null)
        {
            Diagnose(observer, code, error!, end);
        }

        _isStarted = false;
        _block.Clear();
        observer.OnCallCompleted(new ParsedToolCall(_callIndex, null, _callName!, json, arguments, ToolCallCompletionReason.JsonClosed, end, error));
    }

    private void EndList()
    {
        if (_inBlock)
        {
            _mode = Mode.AfterList;
        }
        else
        {
            ResetList();
        }
    }

    private void BeginJsonCall(long origin)
    {
        _objectStart = _block.Length;
        _objectOrigin = origin;
        // One more level than the arguments may have: the call's own object.
        _scanner = new JsonBoundaryScanner(_options.MaxDepth + 1, reportMembers: true);
        _mode = Mode.JsonCall;
        _isJsonCall = true;
        _isCallDone = false;
        _callName = null;
        _key = JsonMember.Other;
        _value = JsonMember.Other;
        _nameStart = -1;
        _argumentsStart = -1;
        _argumentsEnd = -1;
        _argumentsReported = 0;
    }

    private int ReadJson(ReadOnlySpan<char> chunk, int i, long origin, IToolCallParserObserver observer)
    {
        int consumed = _scanner.Scan(chunk[i..], out JsonScanEvent scanEvent);
        int next = i + consumed;
        long end = origin + next;
        if (_mode == Mode.JsonSkip || _isCallDone)
        {
            // The call is out or dropped; read the rest of its object only to find where it ends.
            if (_isCallDone)
            {
                _block.Append(chunk[i..next]);
            }

            if (scanEvent == JsonScanEvent.ValueCompleted)
            {
                _block.Clear();
                _isCallDone = false;
                _mode = Mode.AfterCall;
            }
            else if (scanEvent == JsonScanEvent.Error && _isCallDone)
            {
                return Fail(observer, ParserDiagnosticCodes.CallInvalidJson, $"The tool call's JSON is malformed after the call completed ({Describe(chunk[next])}).", end, next);
            }

            return next;
        }

        _block.Append(chunk[i..next]);
        switch (scanEvent)
        {
            case JsonScanEvent.MemberKeyStart:
                _keyStart = _block.Length;
                break;
            case JsonScanEvent.MemberKeyEnd:
                _key = JsonMemberKeys.Classify(_block.Span[_keyStart..^1]);
                break;
            case JsonScanEvent.MemberValueStart:
                _value = JsonMember.Other;
                if (_key == JsonMember.Name && _nameStart < 0)
                {
                    _value = JsonMember.Name;
                    _nameStart = _block.Length - 1;
                }
                else if (_key == JsonMember.Arguments && _argumentsStart < 0)
                {
                    _value = JsonMember.Arguments;
                    _argumentsStart = _argumentsReported = _block.Length - 1;
                }

                break;
            case JsonScanEvent.MemberValueEnd when _value == JsonMember.Arguments:
                _argumentsEnd = _block.Length;
                break;
            default:
                break;
        }

        if (ExceedsJsonLimit(out int at))
        {
            // The offset is that of the first character past the limit, whatever the chunking.
            long offset = _objectOrigin + (at - _objectStart);
            if (_isStarted)
            {
                ExceedLength(observer, offset);
            }
            else
            {
                Diagnose(observer, ParserDiagnosticCodes.ArgumentsTooLong, $"A tool call's JSON is longer than {_options.MaxArgumentsLength} characters; the call is skipped.", offset);
                _block.Clear();
                _mode = Mode.JsonSkip;
            }

            if (scanEvent == JsonScanEvent.ValueCompleted)
            {
                _mode = Mode.AfterCall;
            }

            return next;
        }

        switch (scanEvent)
        {
            case JsonScanEvent.MemberValueStart when _value == JsonMember.Name && chunk[next - 1] != '"':
                return Fail(observer, ParserDiagnosticCodes.CallMissingName, "The tool call's name is not a string.", end - 1, next);
            case JsonScanEvent.MemberValueEnd when _value == JsonMember.Name:
                _callName = JsonMemberKeys.DecodeString(_block.Span[(_nameStart + 1)..^1]);
                if (_callName.Length == 0)
                {
                    return Fail(observer, ParserDiagnosticCodes.CallMissingName, "The tool call's name is empty.", end, next);
                }

                StartJsonCall(observer, end);
                break;
            case JsonScanEvent.MemberValueEnd when _value == JsonMember.Arguments && _isStarted:
                // A number is complete at the character after it, which the scanner leaves unconsumed.
                CompleteJsonCall(observer, _scanner.EndedAtDelimiter ? end + 1 : end);
                break;
            case JsonScanEvent.ValueCompleted when _callName is null:
                return Fail(observer, ParserDiagnosticCodes.CallMissingName, "The tool call has no name.", end, next);
            case JsonScanEvent.ValueCompleted:
                if (_isStarted)
                {
                    // Named, without arguments.
                    CompleteJsonCall(observer, end);
                }

                _block.Clear();
                _isCallDone = false;
                _mode = Mode.AfterCall;
                break;
            case JsonScanEvent.Error when _scanner.Error == JsonScanError.TooDeep:
                ReportArguments(observer, int.MaxValue);
                if (_isStarted)
                {
                    Abort(observer, ParserDiagnosticCodes.ArgumentsTooDeep, $"The arguments of the call to '{_callName}' nest deeper than {_options.MaxDepth} levels; the call is skipped.", end);
                }
                else
                {
                    Diagnose(observer, ParserDiagnosticCodes.ArgumentsTooDeep, $"A tool call's JSON nests deeper than {_options.MaxDepth} levels; the call is skipped.", end);
                }

                _block.Clear();
                _mode = Mode.JsonSkip;
                break;
            case JsonScanEvent.Error:
                return Fail(observer, ParserDiagnosticCodes.CallInvalidJson, $"The tool call's JSON is malformed ({Describe(chunk[next])}).", end, next);
            default:
                break;
        }

        return next;
    }

    // Whether the JSON call is over a limit, and at what block index the limit was passed.
    private bool ExceedsJsonLimit(out int at)
    {
        int argumentsLength = _argumentsStart < 0 ? 0 : (_argumentsEnd >= 0 ? _argumentsEnd : _block.Length) - _argumentsStart;
        if (argumentsLength > _options.MaxArgumentsLength)
        {
            at = _argumentsStart + _options.MaxArgumentsLength;
            return true;
        }

        if (_block.Length - _objectStart - argumentsLength > WrapperBudget)
        {
            // The first character past the budget, counting only characters outside the arguments.
            at = _argumentsStart < 0 || _objectStart + WrapperBudget < _argumentsStart
                ? _objectStart + WrapperBudget
                : _argumentsEnd + (WrapperBudget - (_argumentsStart - _objectStart));
            return true;
        }

        at = 0;
        return false;
    }

    private void StartJsonCall(IToolCallParserObserver observer, long end)
    {
        if (_startedCalls >= _options.MaxCallsPerResponse)
        {
            Diagnose(observer, ParserDiagnosticCodes.TooManyCalls, $"The response has more than {_options.MaxCallsPerResponse} tool calls; the call to '{_callName}' is dropped.", end);
            _block.Clear();
            _mode = Mode.JsonSkip;
            return;
        }

        _callIndex = _startedCalls++;
        _isStarted = true;
        observer.OnCallStarted(_callIndex, null, _callName!);
        if (_argumentsEnd >= 0)
        {
            // The arguments came before the name.
            CompleteJsonCall(observer, end);
        }
    }

    private void CompleteJsonCall(IToolCallParserObserver observer, long end)
    {
        string json = _argumentsStart < 0 ? JsonArguments.Empty : new string(_block.Span[_argumentsStart.._argumentsEnd]);
        Finish(observer, json, end);
        _isCallDone = true;
    }

    // Reports the arguments read since the last report, up to limit characters of them.
    private void ReportArguments(IToolCallParserObserver observer, int limit)
    {
        if (!_isStarted)
        {
            return;
        }

        if (_isJsonCall)
        {
            if (_argumentsStart < 0)
            {
                return;
            }

            int stop = (int)Math.Min(_argumentsEnd >= 0 ? _argumentsEnd : _block.Length, (long)_argumentsStart + limit);
            if (stop > _argumentsReported)
            {
                observer.OnArgumentsDelta(_callIndex, _block.Span[_argumentsReported..stop]);
                _argumentsReported = stop;
            }

            return;
        }

        int end = Math.Min(_json.Length, limit);
        if (end > _jsonReported)
        {
            observer.OnArgumentsDelta(_callIndex, _json.Span[_jsonReported..end]);
            _jsonReported = end;
        }
    }

    // Callers report the arguments read so far first.
    private void Abort(IToolCallParserObserver observer, string code, string message, long offset)
    {
        if (_isStarted)
        {
            _isStarted = false;
            observer.OnCallAborted(_callIndex, message);
        }

        Diagnose(observer, code, message, offset);
    }

    // The list or block is not what the format expects: report it, surface its text, and read on from i as text.
    private int Fail(IToolCallParserObserver observer, string code, string message, long offset, int i)
    {
        if (_isStarted)
        {
            ReportArguments(observer, int.MaxValue);
            Abort(observer, code, message, offset);
        }
        else if (!_tentative)
        {
            Diagnose(observer, code, message, offset);
        }

        EmitText(observer, _block.Span);
        ResetList();
        return i;
    }

    private void ResetList()
    {
        _mode = Mode.Text;
        _block.Clear();
        _name.Clear();
        _json.Clear();
        _isStarted = false;
        _isJsonCall = false;
        _isCallDone = false;
        _inBlock = false;
        _bracketed = false;
        _tentative = false;
    }

    private void EmitText(IToolCallParserObserver observer, ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return;
        }

        if (!_sawText && text.ContainsAnyExcept(" \t\r\n"))
        {
            _sawText = true;
        }

        observer.OnText(text);
    }

    private static void Diagnose(IToolCallParserObserver observer, string code, string message, long offset) =>
        observer.OnDiagnostic(new ParserDiagnostic(code, message, offset));

    private static bool IsWhitespace(char c) => c is ' ' or '\t' or '\n' or '\r';

    private static bool IsNameStart(char c) => char.IsLetter(c) || c == '_';

    private static bool IsNameChar(char c) => char.IsLetterOrDigit(c) || c is '_' or '.' or '-';

    private static bool IsValueStart(char c) => char.IsAsciiDigit(c) || c is '\'' or '"' or '[' or '{' or '(' or '-' or '+' or '.';

    private static string Describe(char c) => char.IsControl(c) ? $"control character U+{(int)c:X4}" : $"'{c}'";
}
