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
/// value closes.
/// </para>
/// <para>
/// Malformed input never throws and never stalls. A <c>[</c> that turns out not to start a call is text. Before a
/// call completes, anything that is not a call (a positional argument, a nested call, a bare name) aborts the call
/// with a diagnostic and the block's text from its start is surfaced as text; after a call completed, the text from
/// there on is. A call over a limit is aborted or dropped with a diagnostic and the rest of it is skipped.
/// </para>
/// </remarks>
internal sealed partial class PythonicParserCore
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
    private JsonEnvelope _envelope;

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
                    // A started call is aborted, not surfaced as text.
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
