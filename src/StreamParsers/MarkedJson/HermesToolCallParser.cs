using System.Runtime.CompilerServices;
using System.Text.Json;

namespace ToolFlow.StreamParsers;

// Hot loop: the registered "hermes" parser. It reads standard Hermes output (text and
// <tool_call>{"name", "arguments"}</tool_call>) itself, tuned for token-sized chunks (AppendSmall) and whole
// responses (AppendChunk) alike, and hands the response to the marked-JSON hermes grammar at the first character
// where the two could differ. It stays in one file so the two paths and the state they share can be read and
// measured side by side; a change to one must be checked against the other.

/// <summary>
/// The registered <c>hermes</c> parser (Hermes 2/3, Qwen 2.5/3 and many other open models):
/// <c>&lt;tool_call&gt;{"name": "get_weather", "arguments": {"city": "Paris"}}&lt;/tool_call&gt;</c>, any number
/// of times, with text before, between and after, plus the variants the <c>hermes</c> grammar of
/// <see cref="MarkedJsonToolCallParser"/> reads. Its events are exactly that grammar's.
/// </summary>
/// <remarks>
/// <para>
/// Standard Hermes output is read here: text is reported as soon as it arrives, except a trailing piece that could
/// be the beginning of <c>&lt;tool_call&gt;</c>; a call starts when its arguments object begins after its name,
/// the arguments stream as raw JSON text, and the call completes in the <see cref="Append"/> whose chunk holds the
/// arguments' closing brace. At the first character that standard output does not explain (another marker, a
/// <c>{</c> or a backtick in text, a call block that is not <c>{"name": "...", "arguments": {...}}</c>, a limit, the
/// end of the response inside a block, or <see cref="ToolCallParserOptions.ReasoningStartsOpen"/>), the rest of the
/// response goes to the grammar. A call block already begun is read again by the grammar from its start marker, with
/// the events already reported left out: that happens at most once per response, so each character is read at most
/// twice. This parser itself never reports a diagnostic.
/// </para>
/// </remarks>
internal sealed class HermesToolCallParser : ToolCallTextParser
{
    private const string StartMarker = "<tool_call>";
    private const string EndMarker = "</tool_call>";

    // The most characters a call's block may hold besides its arguments (marker, whitespace, name), and the most
    // whitespace read between a call's JSON and its end marker, before the grammar takes over.
    private const int WrapperBudget = 1024;

    // The longest chunk read by the paths for a token stream (AppendSmall); longer ones go through AppendChunk.
    private const int SmallChunk = 16;

    // The hermes grammar: a '<', '{' or '`' in text that begins none of its literals is plain text there too.
    private static readonly MarkedJsonGrammar s_grammar = MarkedJsonGrammars.Find(GrammarName)!;
    private static readonly ulong s_afterLessThanLow = AfterLessThan(high: false);
    private static readonly ulong s_afterLessThanHigh = AfterLessThan(high: true);

    // Options.MaxArgumentsLength, read for every chunk inside a call.
    private readonly int _maxArgumentsLength;

    private Mode _mode;

    // Text mode: how many characters of StartMarker are held at the end of the input. AfterJson mode: how many
    // characters of EndMarker have been read. Both markers start with '<' and have no other '<', so a mismatch
    // never hides the start of another match.
    private int _matched;

    // Whether the next '<', '{' or '`' in text is the response's first character after leading whitespace, where the
    // grammar also looks for its reasoning start marker.
    private bool _isAtStart;

    private JsonBoundaryScanner _scanner;

    // The raw text of the current call from its start marker: what the grammar reads again if it takes over.
    private PooledCharBuffer _block;

    // Whitespace read after a call's JSON.
    private int _trailingWhitespace;

    private long _blockStart;
    private JsonEnvelope _envelope;

    // Set from the arguments' bounds by UpdateArgumentState, for the one-character path: the longest the block may
    // grow before a limit is exceeded, and whether each further character of the block is reported as arguments.
    private int _blockLimit;
    private bool _isStreamingArguments;
    private string? _name;

    // The tool names read so far: a response calls few tools, many times.
    private NameTable _names;
    private bool _isStarted;
    private bool _isCallDone;
    private int _callIndex;
    private int _startedCalls;
    private bool _isCompleted;

    // The grammar, once it has taken over the response.
    private MarkedJsonToolCallParser? _grammar;

    /// <summary>Initializes a parser for one response.</summary>
    /// <param name="options">Limits, or <see langword="null"/> for <see cref="ToolCallParserOptions.Default"/>.</param>
    public HermesToolCallParser(ToolCallParserOptions? options = null)
        : base(options)
    {
        _maxArgumentsLength = Options.MaxArgumentsLength;
        if (Options.ReasoningStartsOpen == true)
        {
            // The response begins inside reasoning, which only the grammar reads.
            _grammar = new MarkedJsonToolCallParser(GrammarName, Options);
            _mode = Mode.Grammar;
        }
    }

    private enum Mode : byte
    {
        Start,
        Text,
        BeforeJson,
        Json,
        AfterJson,
        Grammar,
    }

    /// <summary>The format's registry name: <c>hermes</c>.</summary>
    public override string Format => GrammarName;

    private static string GrammarName => "hermes";

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException"><see cref="Complete"/> was already called.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public override void Append(ReadOnlySpan<char> chunk, IToolCallParserObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        if (_isCompleted)
        {
            ThrowCompleted();
        }

        // Token-sized chunks (a model's stream) and long texts take separate paths, so that in a process that parses
        // both, the JIT optimizes each for its own use.
        if (chunk.Length <= SmallChunk)
        {
            // The steady state between calls: text with no '<', '{' or '`' and nothing held cannot start anything.
            // Reporting it straight away is what the state machine would do, without its dispatch (which dominates
            // small chunks).
            if (_mode == Mode.Text && _matched == 0 && IndexOfSpecial(chunk) < 0)
            {
                if (!chunk.IsEmpty)
                {
                    observer.OnText(chunk);
                }

                Position += chunk.Length;
                return;
            }

            // Inside a call's JSON, most characters only move the scan on: string content, white space, digits,
            // and punctuation below the call object's members.
            if (chunk.Length == 1 && _mode == Mode.Json && !_isCallDone && _scanner.TryReadCharacter(chunk[0]))
            {
                ReadQuietJsonCharacter(chunk, observer);
                return;
            }

            AppendSmall(chunk, observer);
        }
        else
        {
            AppendChunk(chunk, observer);
        }
    }

    // What ReadJson and ReadChunk do with a one-character chunk that the scanner has consumed without an event.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ReadQuietJsonCharacter(ReadOnlySpan<char> chunk, IToolCallParserObserver observer)
    {
        _block.Append(chunk[0]);
        if (_block.Length > _blockLimit)
        {
            ExceedLimitAtCharacter(chunk, observer);
            return;
        }

        if (_isStreamingArguments)
        {
            // ReportArguments(observer), inline.
            int reported = _envelope.ArgumentsReported;
            observer.OnArgumentsDelta(_callIndex, _block.Span[reported..]);
            _envelope.ArgumentsReported = _block.Length;
        }

        Position++;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ExceedLimitAtCharacter(ReadOnlySpan<char> chunk, IToolCallParserObserver observer)
    {
        long origin = Position;
        OnJsonEvent(chunk, 1, origin, observer, JsonScanEvent.None);
        if (_mode == Mode.Json)
        {
            ReportArguments(observer);
        }

        Position = origin + 1;
    }

    // Not inlined into the caller's loop, which keeps that loop small for text, and leaves this method the JIT's
    // inlining budget for its own paths.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void AppendSmall(ReadOnlySpan<char> chunk, IToolCallParserObserver observer)
    {
        if (chunk.Length != 1)
        {
            AppendChunk(chunk, observer);
            return;
        }

        // A chunk of one character (a token stream fed a character at a time): when its effect is simple, what
        // ReadChunk would do with it, without its dispatch.
        char c = chunk[0];
        switch (_mode)
        {
            case Mode.Json when !_isCallDone:
                ReadJsonCharacter(chunk, observer);
                break;
            case Mode.Text when c == StartMarker[_matched]:
                // One more character of the start marker, the first ('<') included: what ReadText does with it.
                if (++_matched == StartMarker.Length)
                {
                    _matched = 0;
                    BeginCall(Position + 1 - StartMarker.Length);
                }

                Position++;
                break;
            case Mode.AfterJson when c == EndMarker[_matched]:
                // One more character of the end marker (which holds no white space, read apart): what ReadAfterJson
                // does with it.
                _block.Append(c);
                if (++_matched == EndMarker.Length)
                {
                    _matched = 0;
                    _mode = Mode.Text;
                }

                Position++;
                break;
            case Mode.AfterJson when _matched == 0 && JsonBoundaryScanner.IsWhitespace(c) && _trailingWhitespace < WrapperBudget:
                // White space before the end marker, within the budget: what ReadAfterJson does with it.
                _block.Append(c);
                _trailingWhitespace++;
                Position++;
                break;
            case Mode.BeforeJson when JsonBoundaryScanner.IsWhitespace(c) && _block.Length < WrapperBudget:
                // White space before the JSON, within the budget: what ReadBeforeJson does with it.
                _block.Append(c);
                Position++;
                break;
            case Mode.BeforeJson when c == '{':
                // What ReadBeforeJson does with the JSON's first character before ReadJson reads it.
                StartJson();
                ReadJsonCharacter(chunk, observer);
                break;
            default:
                AppendChunk(chunk, observer);
                break;
        }
    }

    // One character inside a call's JSON that the scanner does not read alone without an event (Append reads those):
    // what ReadChunk does with it.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ReadJsonCharacter(ReadOnlySpan<char> chunk, IToolCallParserObserver observer)
    {
        long origin = Position;
        if (ReadJson(chunk, 0, origin, observer) == 0)
        {
            // The character is left unread (a number's delimiter, an error), which is rare: the rest of the loop.
            ReadChunk(chunk, 0, origin, observer);
            return;
        }

        if (_mode == Mode.Json && _isStarted && _envelope.ArgumentsStart >= 0)
        {
            ReportArguments(observer);
        }

        Position = origin + 1;
    }

    private void AppendChunk(ReadOnlySpan<char> chunk, IToolCallParserObserver observer)
    {
        if (_mode == Mode.Grammar)
        {
            _grammar!.Append(chunk, observer);
            Position += chunk.Length;
            return;
        }

        ReadChunk(chunk, 0, Position, observer);
    }

    // Reads a chunk from index i (origin: the input position of the chunk's first character).
    private void ReadChunk(ReadOnlySpan<char> chunk, int i, long origin, IToolCallParserObserver observer)
    {
        while (i < chunk.Length)
        {
            i = _mode switch
            {
                Mode.Text => ReadText(chunk, i, origin, observer),
                Mode.BeforeJson => ReadBeforeJson(chunk, i, origin, observer),
                Mode.Json => ReadJson(chunk, i, origin, observer),
                Mode.AfterJson => ReadAfterJson(chunk, i, origin, observer),
                _ => ReadStart(chunk, i, origin, observer),
            };
        }

        if (_mode == Mode.Json)
        {
            ReportArguments(observer);
        }

        Position = origin + chunk.Length;
    }

    /// <inheritdoc/>
    public override void Complete(IToolCallParserObserver observer)
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
                break;
            case Mode.Text:
                // What the grammar does with a held piece of a marker.
                if (_matched > 0)
                {
                    observer.OnText(StartMarker.AsSpan(0, _matched));
                }

                break;
            case Mode.Grammar:
                _grammar!.Complete(observer);
                break;
            default:
                // The response ends inside a call's block: the grammar decides what that block was.
                HandOff(ReadOnlySpan<char>.Empty, 0, Position, observer);
                _grammar!.Complete(observer);
                break;
        }

        _matched = 0;
        _block.Release();
    }

    // At the start of the response: leading whitespace is text; then the grammar, which also looks for reasoning and
    // bare JSON here, takes over unless the response begins with plain text or with what may be <tool_call>.
    private int ReadStart(ReadOnlySpan<char> chunk, int i, long origin, IToolCallParserObserver observer)
    {
        int skip = chunk[i..].IndexOfAnyExcept(" \t\r\n");
        if (skip < 0)
        {
            observer.OnText(chunk[i..]);
            return chunk.Length;
        }

        if (skip > 0)
        {
            observer.OnText(chunk.Slice(i, skip));
            i += skip;
        }

        _isAtStart = chunk[i] is '<' or '{' or '`';
        _mode = Mode.Text;
        return i;
    }

    private int ReadText(ReadOnlySpan<char> chunk, int i, long origin, IToolCallParserObserver observer)
    {
        // Continue a start marker held from the previous chunk.
        while (_matched > 0 && i < chunk.Length)
        {
            if (chunk[i] != StartMarker[_matched])
            {
                if (MayBeginLiteral(StartMarker.AsSpan(0, _matched), chunk[i..]))
                {
                    // Another marker, perhaps: the grammar reads the held piece again.
                    return HandOff(chunk, i, origin, observer);
                }

                // Plain text for the grammar too, which reads it again from its second character: no '<' there.
                observer.OnText(StartMarker.AsSpan(0, _matched));
                _matched = 0;
                _isAtStart = false;
                break;
            }

            i++;
            if (++_matched == StartMarker.Length)
            {
                _matched = 0;
                BeginCall(origin + i - StartMarker.Length);
                return i;
            }
        }

        if (i == chunk.Length)
        {
            return i;
        }

        // '{' and '`' are rare in text: the first is found once, and '<' (a single-value search, the fastest) before it.
        int textStart = i;
        int limit = IndexOfRare(chunk, i);
        while (true)
        {
            int lessThan = chunk[i..limit].IndexOf('<');
            int at = lessThan < 0 ? limit : i + lessThan;
            if (at == chunk.Length)
            {
                observer.OnText(chunk[textStart..]);
                return chunk.Length;
            }

            ReadOnlySpan<char> candidate = chunk[at..];
            int common = candidate.CommonPrefixLength(StartMarker);
            if (common != StartMarker.Length && common != candidate.Length)
            {
                // Most '<' in text are followed by a character that begins no literal: decided inline.
                if ((candidate[0] == '<' && !MayFollowLessThan(candidate[1])) || !MayBeginLiteral(default, candidate))
                {
                    // Plain text for the grammar too ("a < b", a lone backtick).
                    _isAtStart = false;
                    i = at + 1;
                    if (at == limit)
                    {
                        limit = IndexOfRare(chunk, i);
                    }

                    continue;
                }

                // The grammar reads the text run too, so that it reports it as it would alone.
                return HandOff(chunk, textStart, origin, observer);
            }

            if (at > textStart)
            {
                observer.OnText(chunk[textStart..at]);
            }

            if (common == StartMarker.Length)
            {
                BeginCall(origin + at);
            }
            else
            {
                // The chunk ends with what may be the start of a marker: hold it.
                _matched = common;
            }

            return at + common;
        }
    }

    private void BeginCall(long start)
    {
        _mode = Mode.BeforeJson;
        _isAtStart = false;
        _blockStart = start;
        _block.Clear();
        _block.Append(StartMarker);
        _envelope.Reset();
        _name = null;
        _isStarted = false;
        _isCallDone = false;
        UpdateArgumentState();
    }

    private int ReadBeforeJson(ReadOnlySpan<char> chunk, int i, long origin, IToolCallParserObserver observer)
    {
        int end = chunk[i..].IndexOfAnyExcept(" \t\r\n");
        int j = end < 0 ? chunk.Length : i + end;
        _block.Append(chunk[i..j]);
        if (_block.Length > WrapperBudget)
        {
            return HandOff(chunk, j, origin, observer);
        }

        if (j == chunk.Length)
        {
            return j;
        }

        if (chunk[j] == '{')
        {
            StartJson();
            return j;
        }

        return HandOff(chunk, j, origin, observer);
    }

    private void StartJson()
    {
        // One more level than the arguments may have: the call's own object.
        _scanner = new JsonBoundaryScanner(Options.MaxDepth + 1, reportMembers: true);
        _mode = Mode.Json;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int ReadJson(ReadOnlySpan<char> chunk, int i, long origin, IToolCallParserObserver observer)
    {
        int consumed = _scanner.Scan(chunk[i..], out JsonScanEvent scanEvent);
        int next = i + consumed;
        _block.Append(chunk[i..next]);
        if (_isCallDone)
        {
            return ReadJsonAfterCall(chunk, next, origin, observer, scanEvent);
        }

        // The common case, kept small for small chunks: more JSON, no member boundary, within the limits.
        return scanEvent == JsonScanEvent.None && IsWithinLimits() ? next : OnJsonEvent(chunk, next, origin, observer, scanEvent);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int ReadJsonAfterCall(ReadOnlySpan<char> chunk, int next, long origin, IToolCallParserObserver observer, JsonScanEvent scanEvent)
    {
        // The call is out; standard output closes its object right away.
        if (scanEvent == JsonScanEvent.ValueCompleted)
        {
            EnterAfterJson();
        }
        else if (scanEvent != JsonScanEvent.None || ExceedsLimit())
        {
            return HandOff(chunk, next, origin, observer);
        }

        return next;
    }

    // What the scanner stopped for, once the characters it consumed are in the block. Anything but a name followed
    // by an arguments object goes to the grammar.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private int OnJsonEvent(ReadOnlySpan<char> chunk, int next, long origin, IToolCallParserObserver observer, JsonScanEvent scanEvent)
    {
        _envelope.Track(scanEvent, _block.Span);
        UpdateArgumentState();
        if (ExceedsLimit())
        {
            return HandOff(chunk, next, origin, observer);
        }

        bool isStandard = scanEvent switch
        {
            JsonScanEvent.MemberKeyStart or JsonScanEvent.MemberKeyEnd or JsonScanEvent.None => true,
            JsonScanEvent.MemberValueStart when _envelope.Value == JsonMember.Name => _block.Span[^1] == '"',
            JsonScanEvent.MemberValueStart when _envelope.Value == JsonMember.Arguments => _name is not null && _block.Span[^1] == '{' && StartCall(observer),
            JsonScanEvent.MemberValueEnd when _envelope.Value == JsonMember.Name => ReadName(),
            JsonScanEvent.MemberValueEnd when _envelope.Value == JsonMember.Arguments => CompleteCall(observer, origin + next),
            JsonScanEvent.MemberValueEnd => false,
            _ => false,
        };

        return isStandard ? next : HandOff(chunk, next, origin, observer);
    }

    private bool ReadName()
    {
        ReadOnlySpan<char> raw = _block.Span[(_envelope.NameStart + 1)..^1];
        _name = raw.Contains('\\') ? JsonMemberKeys.DecodeString(raw) : _names.Get(raw);
        return _name.Length > 0;
    }

    // Whether ExceedsLimit is false, without computing it.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool IsWithinLimits() => _block.Length <= _blockLimit;

    private void UpdateArgumentState()
    {
        _blockLimit = BlockLimit();
        _isStreamingArguments = _isStarted && _envelope.ArgumentsStart >= 0 && _envelope.ArgumentsEnd < 0;
    }

    // The longest block for which ExceedsLimit is false, -1 for none, while the arguments' bounds stay as they are.
    private int BlockLimit()
    {
        if (_envelope.ArgumentsStart < 0)
        {
            // No arguments yet: only the wrapper budget (MaxArgumentsLength is at least 2).
            return WrapperBudget;
        }

        if (_envelope.ArgumentsEnd < 0)
        {
            // The arguments grow with the block; what lies outside them is fixed.
            return _envelope.ArgumentsStart > WrapperBudget ? -1 : (int)Math.Min((long)_envelope.ArgumentsStart + _maxArgumentsLength, int.MaxValue);
        }

        int argumentsLength = _envelope.ArgumentsEnd - _envelope.ArgumentsStart;
        return argumentsLength > _maxArgumentsLength ? -1 : WrapperBudget + argumentsLength;
    }

    private bool ExceedsLimit()
    {
        int argumentsLength = _envelope.ArgumentsStart < 0 ? 0 : (_envelope.ArgumentsEnd >= 0 ? _envelope.ArgumentsEnd : _block.Length) - _envelope.ArgumentsStart;
        return argumentsLength > _maxArgumentsLength || _block.Length - argumentsLength > WrapperBudget;
    }

    // Starts the call when its arguments object begins; false when the grammar must take over (too many calls).
    private bool StartCall(IToolCallParserObserver observer)
    {
        if (_startedCalls >= Options.MaxCallsPerResponse)
        {
            return false;
        }

        _callIndex = _startedCalls++;
        _isStarted = true;
        UpdateArgumentState();
        observer.OnCallStarted(_callIndex, null, _name!);
        return true;
    }

    // Completes the call; false, with nothing reported, when its arguments do not parse and the grammar must decide.
    private bool CompleteCall(IToolCallParserObserver observer, long end)
    {
        string json = new(_block.Span[_envelope.ArgumentsStart.._envelope.ArgumentsEnd]);
        JsonElement? arguments = JsonArguments.Parse(json, Options.MaxDepth, out string? error, out string? code);
        if (code is not null)
        {
            return false;
        }

        ReportArguments(observer);
        _isCallDone = true;
        observer.OnCallCompleted(new ParsedToolCall(_callIndex, null, _name!, json, arguments, ToolCallCompletionReason.JsonClosed, end, error));
        return true;
    }

    // Reports the arguments read since the last report.
    private void ReportArguments(IToolCallParserObserver observer)
    {
        if (!_isStarted || _envelope.ArgumentsStart < 0)
        {
            return;
        }

        int stop = _envelope.ArgumentsEnd >= 0 ? _envelope.ArgumentsEnd : _block.Length;
        if (stop > _envelope.ArgumentsReported)
        {
            observer.OnArgumentsDelta(_callIndex, _block.Span[_envelope.ArgumentsReported..stop]);
            _envelope.ArgumentsReported = stop;
        }
    }

    private void EnterAfterJson()
    {
        _mode = Mode.AfterJson;
        _matched = 0;
        _trailingWhitespace = 0;
    }

    private int ReadAfterJson(ReadOnlySpan<char> chunk, int i, long origin, IToolCallParserObserver observer)
    {
        while (i < chunk.Length)
        {
            char c = chunk[i];
            if (_matched == 0 && JsonBoundaryScanner.IsWhitespace(c) && _trailingWhitespace < WrapperBudget)
            {
                _block.Append(c);
                _trailingWhitespace++;
                i++;
            }
            else if (c == EndMarker[_matched])
            {
                _block.Append(c);
                i++;
                if (++_matched == EndMarker.Length)
                {
                    _matched = 0;
                    _mode = Mode.Text;
                    return i;
                }
            }
            else
            {
                return HandOff(chunk, i, origin, observer);
            }
        }

        return i;
    }

    // Hands the rest of the response, from chunk[i] on, to the grammar: first the raw text read but not yet settled
    // (a held piece of the start marker, or the call's block from its start marker), then the rest of the chunk.
    // Events already reported for the block are left out of the grammar's. Returns the chunk's length.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private int HandOff(ReadOnlySpan<char> chunk, int i, long origin, IToolCallParserObserver observer)
    {
        var grammar = new MarkedJsonToolCallParser(GrammarName, Options);
        _grammar = grammar;
        switch (_mode)
        {
            case Mode.Start:
                grammar.ResumeAt(origin + i, _startedCalls, atStart: true);
                break;
            case Mode.Text:
                grammar.ResumeAt(origin + i - _matched, _startedCalls, _isAtStart);
                if (_matched > 0)
                {
                    grammar.Append(StartMarker.AsSpan(0, _matched), observer);
                }

                break;
            default:
                int index = _isStarted ? _callIndex : _startedCalls;
                grammar.ResumeAt(_blockStart, index, atStart: false);
                int reported = _isStarted && _envelope.ArgumentsStart >= 0 ? _envelope.ArgumentsReported - _envelope.ArgumentsStart : 0;
                grammar.Append(_block.Span, new ReplayObserver(observer, index, _isStarted, reported, _isCallDone));
                break;
        }

        _mode = Mode.Grammar;
        _matched = 0;
        _block.Release();
        if (i < chunk.Length)
        {
            grammar.Append(chunk[i..], observer);
        }

        return chunk.Length;
    }

    // The index of the first '{' or '`' in the chunk from index i on, or the chunk's length.
    private static int IndexOfRare(ReadOnlySpan<char> chunk, int i)
    {
        int rare = chunk[i..].IndexOfAny('{', '`');
        return rare < 0 ? chunk.Length : i + rare;
    }

    // Whether held + text (text from a special character on, or after a held piece of the start marker) is, or may
    // become, one of the grammar's literals: its triggers in text, and at the start also its reasoning start marker
    // (what it reads there first). If not, the grammar reads its first character as plain text.
    private bool MayBeginLiteral(ReadOnlySpan<char> held, ReadOnlySpan<char> text)
    {
        if (held.Length + text.Length >= 2)
        {
            // The common case ("a < b", "x <= y"), decided by the first two characters.
            char first = held.IsEmpty ? text[0] : held[0];
            char second = held.Length >= 2 ? held[1] : held.Length == 1 ? text[0] : text[1];
            bool cannotBegin = first == '<'
                ? !MayFollowLessThan(second)
                : s_grammar.Triggers.CannotBegin(first, second) && (!_isAtStart || s_grammar.StartSet.CannotBegin(first, second));
            if (cannotBegin)
            {
                return false;
            }
        }

        return MayBeginLiteral(s_grammar.Triggers, held, text) || (_isAtStart && MayBeginLiteral(s_grammar.StartSet, held, text));
    }

    // Whether c is the second character of a literal that begins with '<', in text or at the start.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool MayFollowLessThan(char c) =>
        c >= 128 || ((c < 64 ? s_afterLessThanLow >> c : s_afterLessThanHigh >> (c - 64)) & 1) != 0;

    // The bits of MayFollowLessThan for characters below 64, and from 64 to 127.
    private static ulong AfterLessThan(bool high)
    {
        ulong bits = 0;
        foreach (MarkedLiteralSet set in (MarkedLiteralSet[])[s_grammar.Triggers, s_grammar.StartSet])
        {
            for (int t = 0; t < set.Count; t++)
            {
                string literal = set[t];
                if (literal.Length > 1 && literal[0] == '<' && literal[1] < 128 && literal[1] >= 64 == high)
                {
                    bits |= 1UL << (literal[1] & 63);
                }
            }
        }

        return bits;
    }

    private static bool MayBeginLiteral(MarkedLiteralSet triggers, ReadOnlySpan<char> held, ReadOnlySpan<char> text)
    {
        for (int t = 0; t < triggers.Count; t++)
        {
            ReadOnlySpan<char> literal = triggers[t];
            int n = Math.Min(literal.Length, held.Length + text.Length);
            int h = Math.Min(n, held.Length);
            if (literal[..h].SequenceEqual(held[..h]) && literal[h..n].SequenceEqual(text[..(n - h)]))
            {
                return true;
            }
        }

        return false;
    }

    // The index of the first '<', '{' or '`' in a chunk of at most SmallChunk characters, or -1: a plain loop, as the
    // vectorized search costs more than it saves on a token.
    private static int IndexOfSpecial(ReadOnlySpan<char> text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            // Non-short-circuit: one branch, which text never takes, where a chain of compares would branch on
            // letters against white space.
            char c = text[i];
            if ((c == '<') | (c == '{') | (c == '`'))
            {
                return i;
            }
        }

        return -1;
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowCompleted() => throw new InvalidOperationException("The parser has already completed.");

    // Passes the grammar's events for a replayed call block on, without those this parser already reported: the
    // call's start, the first characters of its arguments, its completion.
    private sealed class ReplayObserver(IToolCallParserObserver inner, int index, bool isStarted, int reported, bool isCompleted) : IToolCallParserObserver
    {
        private bool _isStarted = isStarted;
        private int _reported = reported;
        private bool _isCompleted = isCompleted;

        public void OnText(ReadOnlySpan<char> text) => inner.OnText(text);

        public void OnReasoning(ReadOnlySpan<char> text) => inner.OnReasoning(text);

        public void OnCallStarted(int callIndex, string? id, string name)
        {
            if (callIndex == index && _isStarted)
            {
                _isStarted = false;
                return;
            }

            inner.OnCallStarted(callIndex, id, name);
        }

        public void OnArgumentsDelta(int callIndex, ReadOnlySpan<char> fragment)
        {
            if (callIndex == index && _reported > 0)
            {
                int skip = Math.Min(_reported, fragment.Length);
                _reported -= skip;
                fragment = fragment[skip..];
                if (fragment.IsEmpty)
                {
                    return;
                }
            }

            inner.OnArgumentsDelta(callIndex, fragment);
        }

        public void OnCallCompleted(ParsedToolCall call)
        {
            if (call.Index == index && _isCompleted)
            {
                _isCompleted = false;
                return;
            }

            inner.OnCallCompleted(call);
        }

        public void OnCallAborted(int callIndex, string reason) => inner.OnCallAborted(callIndex, reason);

        public void OnDiagnostic(ParserDiagnostic diagnostic) => inner.OnDiagnostic(diagnostic);
    }
}
