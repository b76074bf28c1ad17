using System.Runtime.CompilerServices;
using System.Text.Json;

namespace ToolFlow.StreamParsers;

// Hot loop: the fastest parser (the demo's and the benchmarks' Hermes parser), tuned for token-sized chunks
// (AppendSmall) and whole responses (AppendChunk) alike. It stays in one file so the two paths and the state they
// share can be read and measured side by side; a change to one must be checked against the other.

/// <summary>
/// An incremental parser for the Hermes tool-call format (Hermes 2/3, Qwen 2.5/3 and many other open models):
/// <c>&lt;tool_call&gt;{"name": "get_weather", "arguments": {"city": "Paris"}}&lt;/tool_call&gt;</c>, any number
/// of times, with text before, between and after.
/// </summary>
/// <remarks>
/// <para>
/// Text outside calls is reported as soon as it arrives, except a trailing piece that could be the beginning of
/// <c>&lt;tool_call&gt;</c>, which is held until the next character decides. Inside a call the parser expects
/// whitespace, then a JSON object with a string <c>"name"</c> and an <c>"arguments"</c> (or <c>"parameters"</c>)
/// value; other members are ignored. The call starts as soon as the name's closing quote is read, its arguments
/// stream as raw JSON text, and it completes (<see cref="ToolCallCompletionReason.JsonClosed"/>) in the very
/// <see cref="Append"/> whose chunk holds the character that closes the arguments value, or closes the name when
/// the arguments came first, or closes the object when there are no arguments (then <c>{}</c>). The
/// <see cref="ParsedToolCall.Offset"/> is the position just past that character (for arguments that are a bare
/// number, the character after the number, which is what ends it). The rest of the object and the
/// <c>&lt;/tool_call&gt;</c> marker are then consumed silently. Arguments that are valid JSON but not an object
/// complete with <see cref="ParsedToolCall.Error"/> set. Call ids are <see langword="null"/>.
/// </para>
/// <para>
/// Malformed input never throws and never stalls. Before a call completes, a block whose start marker is not
/// followed by a JSON object, whose JSON is invalid (for example an end marker before the JSON closes) or whose
/// object has no name is reported as a diagnostic and surfaced as text, exactly as written (a started call is
/// aborted first). After a call completes, a malformed remainder or a missing end marker only adds a diagnostic;
/// what follows is read as text. When the input ends inside a call, a started call is aborted, and the text of a
/// call that never started is surfaced. A call over a limit is aborted (or, over
/// <see cref="ToolCallParserOptions.MaxCallsPerResponse"/>, dropped) with a diagnostic and the rest of its JSON
/// object is skipped.
/// </para>
/// </remarks>
public sealed class HermesToolCallParser : ToolCallTextParser
{
    private const string StartMarker = "<tool_call>";
    private const string EndMarker = "</tool_call>";

    // The most characters a call's block may hold besides its arguments (marker, whitespace, name, other
    // members), and the most whitespace held between a call's JSON and its end marker.
    private const int WrapperBudget = 1024;

    // The longest chunk read by the paths for a token stream (AppendSmall); longer ones go through AppendChunk.
    private const int SmallChunk = 16;

    // Options.MaxArgumentsLength, read for every chunk inside a call.
    private readonly int _maxArgumentsLength;

    private Mode _mode;

    // Text mode: how many characters of StartMarker are held at the end of the input. AfterJson mode: how many
    // characters of EndMarker have been read. Both markers start with '<' and have no other '<', so a mismatch
    // never hides the start of another match.
    private int _matched;

    private JsonBoundaryScanner _scanner;

    // The raw text of the current call from its start marker, while the call may still fall back to text.
    private PooledCharBuffer _block;

    // Whitespace after a call's JSON, surfaced as text if no end marker follows.
    private PooledCharBuffer _held;

    private long _blockStart;
    private JsonEnvelope _envelope;

    // Set from the arguments' bounds by UpdateArgumentState, for the one-character path: the longest the block may
    // grow before a limit is exceeded, and whether each further character of the block is reported as arguments.
    private int _blockLimit;
    private bool _isStreamingArguments;
    private string? _name;
    private bool _isStarted;
    private bool _isCallDone;
    private int _callIndex;
    private int _startedCalls;
    private bool _isCompleted;

    /// <summary>Initializes a parser for one response.</summary>
    /// <param name="options">Limits, or <see langword="null"/> for <see cref="ToolCallParserOptions.Default"/>.</param>
    public HermesToolCallParser(ToolCallParserOptions? options = null)
        : base(options)
    {
        _maxArgumentsLength = Options.MaxArgumentsLength;
    }

    private enum Mode : byte
    {
        Text,
        BeforeJson,
        Json,
        Skip,
        AfterJson,
    }

    /// <summary>The format's registry name: <c>hermes</c>.</summary>
    public override string Format => "hermes";

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
            // The steady state between calls: text with no '<' and nothing held cannot start a call. Reporting it
            // straight away is what the state machine would do, without its dispatch (which dominates small chunks).
            if (_mode == Mode.Text && _matched == 0 && IndexOfLessThan(chunk) < 0)
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
            // ReportArguments(observer, int.MaxValue), inline.
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
            ReportArguments(observer, int.MaxValue);
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
                if (++_matched == EndMarker.Length)
                {
                    _matched = 0;
                    _held.Clear();
                    _mode = Mode.Text;
                }

                Position++;
                break;
            case Mode.AfterJson when _matched == 0 && JsonBoundaryScanner.IsWhitespace(c) && _held.Length < WrapperBudget:
                // White space before the end marker, within the budget: what ReadAfterJson does with it.
                _held.Append(c);
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
            ReportArguments(observer, int.MaxValue);
        }

        Position = origin + 1;
    }

    private void AppendChunk(ReadOnlySpan<char> chunk, IToolCallParserObserver observer) => ReadChunk(chunk, 0, Position, observer);

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
                Mode.Skip => Skip(chunk, i),
                _ => ReadAfterJson(chunk, i, origin, observer),
            };
        }

        if (_mode == Mode.Json)
        {
            ReportArguments(observer, int.MaxValue);
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
            case Mode.Text:
                if (_matched > 0)
                {
                    observer.OnText(StartMarker.AsSpan(0, _matched));
                }

                break;
            case Mode.BeforeJson:
                Diagnose(observer, ParserDiagnosticCodes.CallUnterminated, "The response ended right after <tool_call>.", Position);
                FallBackToText(observer);
                break;
            case Mode.Json when _isCallDone:
                Diagnose(observer, ParserDiagnosticCodes.CallUnterminated, "The response ended before the tool call's JSON object closed; the call had already completed.", Position);
                break;
            case Mode.Json when _isStarted:
                ReportArguments(observer, int.MaxValue);
                Abort(observer, ParserDiagnosticCodes.CallUnterminated, $"The response ended inside the call to '{_name}'.", Position);
                break;
            case Mode.Json:
                Diagnose(observer, ParserDiagnosticCodes.CallUnterminated, "The response ended inside a tool call before its name.", Position);
                FallBackToText(observer);
                break;
            default:
                // Skip: the limit was already reported. AfterJson: a missing end marker at the very end is fine.
                break;
        }

        _matched = 0;
        _block.Release();
        _held.Release();
    }

    private int ReadText(ReadOnlySpan<char> chunk, int i, long origin, IToolCallParserObserver observer)
    {
        // Continue a start marker held from the previous chunk.
        while (_matched > 0 && i < chunk.Length)
        {
            if (chunk[i] != StartMarker[_matched])
            {
                observer.OnText(StartMarker.AsSpan(0, _matched));
                _matched = 0;
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

        int textStart = i;
        while (true)
        {
            int lessThan = chunk[i..].IndexOf('<');
            if (lessThan < 0)
            {
                observer.OnText(chunk[textStart..]);
                return chunk.Length;
            }

            int at = i + lessThan;
            ReadOnlySpan<char> candidate = chunk[at..];
            int common = candidate.CommonPrefixLength(StartMarker);
            if (common == StartMarker.Length || common == candidate.Length)
            {
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

            i = at + 1;
        }
    }

    private void BeginCall(long start)
    {
        _mode = Mode.BeforeJson;
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
            Diagnose(observer, ParserDiagnosticCodes.CallMissingJson, "<tool_call> is followed by too much whitespace.", _blockStart + WrapperBudget);
            FallBackToText(observer);
            return j;
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

        Diagnose(observer, ParserDiagnosticCodes.CallMissingJson, "<tool_call> is not followed by a JSON object; the text is kept as text.", origin + j);
        FallBackToText(observer);
        return j;
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
        if (_isCallDone)
        {
            return ReadJsonAfterCall(chunk, next, origin, observer, scanEvent);
        }

        _block.Append(chunk[i..next]);

        // The common case, kept small for small chunks: more JSON, no member boundary, within the limits.
        return scanEvent == JsonScanEvent.None && IsWithinLimits() ? next : OnJsonEvent(chunk, next, origin, observer, scanEvent);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int ReadJsonAfterCall(ReadOnlySpan<char> chunk, int next, long origin, IToolCallParserObserver observer, JsonScanEvent scanEvent)
    {
        // The call is out; read the rest of its object only to find where it ends.
        if (scanEvent == JsonScanEvent.ValueCompleted)
        {
            EnterAfterJson();
        }
        else if (scanEvent == JsonScanEvent.Error)
        {
            Diagnose(observer, ParserDiagnosticCodes.CallInvalidJson, $"The tool call's JSON is malformed after the call completed ({Describe(chunk[next])}).", origin + next);
            EnterAfterJson();
        }

        return next;
    }

    // What the scanner stopped for, once the characters it consumed are in the block.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private int OnJsonEvent(ReadOnlySpan<char> chunk, int next, long origin, IToolCallParserObserver observer, JsonScanEvent scanEvent)
    {
        long end = origin + next;
        _envelope.Track(scanEvent, _block.Span);

        UpdateArgumentState();

        if (ExceedsLimit(out int at))
        {
            ReportArguments(observer, _envelope.ArgumentsStart + Options.MaxArgumentsLength);
            Abort(observer, ParserDiagnosticCodes.ArgumentsTooLong, $"The arguments of a tool call are longer than {Options.MaxArgumentsLength} characters; the call is skipped.", _blockStart + at);
            _mode = Mode.Skip;
            if (scanEvent == JsonScanEvent.ValueCompleted)
            {
                EnterAfterJson();
            }

            return next;
        }

        switch (scanEvent)
        {
            case JsonScanEvent.MemberValueStart when _envelope.Value == JsonMember.Name && chunk[next - 1] != '"':
                Diagnose(observer, ParserDiagnosticCodes.CallMissingName, "The tool call's name is not a string; the text is kept as text.", end - 1);
                FallBackToText(observer);
                break;
            case JsonScanEvent.MemberValueEnd when _envelope.Value == JsonMember.Name:
                _name = JsonMemberKeys.DecodeString(_block.Span[(_envelope.NameStart + 1)..^1]);
                if (_name.Length == 0)
                {
                    Diagnose(observer, ParserDiagnosticCodes.CallMissingName, "The tool call's name is empty; the text is kept as text.", end);
                    FallBackToText(observer);
                    break;
                }

                StartCall(observer, end);
                break;
            case JsonScanEvent.MemberValueEnd when _envelope.Value == JsonMember.Arguments && _isStarted:
                // A number is complete at the character after it, which the scanner leaves unconsumed.
                CompleteCall(observer, _scanner.EndedAtDelimiter ? end + 1 : end);
                break;
            case JsonScanEvent.ValueCompleted when _name is null:
                Diagnose(observer, ParserDiagnosticCodes.CallMissingName, "The tool call has no name; the text is kept as text.", end);
                FallBackToText(observer);
                break;
            case JsonScanEvent.ValueCompleted:
                // Named, without arguments (a call with arguments completed when they closed).
                CompleteCall(observer, end);
                EnterAfterJson();
                break;
            case JsonScanEvent.Error when _scanner.Error == JsonScanError.TooDeep:
                ReportArguments(observer, int.MaxValue);
                Abort(observer, ParserDiagnosticCodes.ArgumentsTooDeep, $"The arguments of a tool call nest deeper than {Options.MaxDepth} levels; the call is skipped.", end);
                _mode = Mode.Skip;
                break;
            case JsonScanEvent.Error:
                ReportArguments(observer, int.MaxValue);
                string message = $"The tool call's JSON is malformed ({Describe(chunk[next])}); the text is kept as text.";
                if (_isStarted)
                {
                    Abort(observer, ParserDiagnosticCodes.CallInvalidJson, message, end);
                }
                else
                {
                    Diagnose(observer, ParserDiagnosticCodes.CallInvalidJson, message, end);
                }

                FallBackToText(observer);
                break;
            default:
                break;
        }

        return next;
    }

    // Whether ExceedsLimit is false, without its out parameter.
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

    private bool ExceedsLimit(out int at)
    {
        int argumentsLength = _envelope.ArgumentsStart < 0 ? 0 : (_envelope.ArgumentsEnd >= 0 ? _envelope.ArgumentsEnd : _block.Length) - _envelope.ArgumentsStart;
        if (argumentsLength > _maxArgumentsLength)
        {
            at = _envelope.ArgumentsStart + _maxArgumentsLength;
            return true;
        }

        if (_block.Length - argumentsLength > WrapperBudget)
        {
            // The first character past the budget, counting only characters outside the arguments.
            at = _envelope.ArgumentsStart < 0 || WrapperBudget < _envelope.ArgumentsStart
                ? WrapperBudget
                : _envelope.ArgumentsEnd + (WrapperBudget - _envelope.ArgumentsStart);
            return true;
        }

        at = 0;
        return false;
    }

    private void StartCall(IToolCallParserObserver observer, long end)
    {
        if (_startedCalls >= Options.MaxCallsPerResponse)
        {
            Diagnose(observer, ParserDiagnosticCodes.TooManyCalls, $"The response has more than {Options.MaxCallsPerResponse} tool calls; the extra call is dropped.", end);
            _mode = Mode.Skip;
            return;
        }

        _callIndex = _startedCalls++;
        _isStarted = true;
        UpdateArgumentState();
        observer.OnCallStarted(_callIndex, null, _name!);
        if (_envelope.ArgumentsEnd >= 0)
        {
            // The arguments came before the name.
            CompleteCall(observer, end);
        }
    }

    private void CompleteCall(IToolCallParserObserver observer, long end)
    {
        ReportArguments(observer, int.MaxValue);
        string json = _envelope.ArgumentsStart < 0 ? JsonArguments.Empty : new string(_block.Span[_envelope.ArgumentsStart.._envelope.ArgumentsEnd]);
        JsonElement? arguments = JsonArguments.Parse(json, Options.MaxDepth, out string? error, out string? code);
        if (code is not null)
        {
            Diagnose(observer, code, error!, end);
        }

        _isCallDone = true;
        observer.OnCallCompleted(new ParsedToolCall(_callIndex, null, _name!, json, arguments, ToolCallCompletionReason.JsonClosed, end, error));
    }

    // Reports the arguments read since the last report, up to the block index limit.
    private void ReportArguments(IToolCallParserObserver observer, int limit)
    {
        if (!_isStarted || _envelope.ArgumentsStart < 0)
        {
            return;
        }

        int stop = Math.Min(_envelope.ArgumentsEnd >= 0 ? _envelope.ArgumentsEnd : _block.Length, limit);
        if (stop > _envelope.ArgumentsReported)
        {
            observer.OnArgumentsDelta(_callIndex, _block.Span[_envelope.ArgumentsReported..stop]);
            _envelope.ArgumentsReported = stop;
        }
    }

    // Callers report the arguments read so far first.
    private void Abort(IToolCallParserObserver observer, string code, string message, long offset)
    {
        if (_isStarted && !_isCallDone)
        {
            observer.OnCallAborted(_callIndex, message);
        }

        Diagnose(observer, code, message, offset);
    }

    private void FallBackToText(IToolCallParserObserver observer)
    {
        observer.OnText(_block.Span);
        _block.Clear();
        _mode = Mode.Text;
        _matched = 0;
    }

    private int Skip(ReadOnlySpan<char> chunk, int i)
    {
        int consumed = _scanner.Scan(chunk[i..], out JsonScanEvent scanEvent);
        if (scanEvent == JsonScanEvent.ValueCompleted)
        {
            EnterAfterJson();
        }

        return i + consumed;
    }

    private void EnterAfterJson()
    {
        _mode = Mode.AfterJson;
        _matched = 0;
        _held.Clear();
    }

    private int ReadAfterJson(ReadOnlySpan<char> chunk, int i, long origin, IToolCallParserObserver observer)
    {
        while (i < chunk.Length)
        {
            char c = chunk[i];
            if (_matched == 0 && JsonBoundaryScanner.IsWhitespace(c))
            {
                _held.Append(chunk.Slice(i, 1));
                i++;
                if (_held.Length > WrapperBudget)
                {
                    MissEndMarker(observer, origin + i);
                    return i;
                }
            }
            else if (c == EndMarker[_matched])
            {
                i++;
                if (++_matched == EndMarker.Length)
                {
                    _matched = 0;
                    _held.Clear();
                    _mode = Mode.Text;
                    return i;
                }
            }
            else
            {
                MissEndMarker(observer, origin + i);
                return i;
            }
        }

        return i;
    }

    private void MissEndMarker(IToolCallParserObserver observer, long offset)
    {
        Diagnose(observer, ParserDiagnosticCodes.CallEndMarkerMissing, "A tool call's JSON is not followed by </tool_call>.", offset);
        if (_held.Length > 0)
        {
            observer.OnText(_held.Span);
            _held.Clear();
        }

        _mode = Mode.Text;
        if (_matched > 1)
        {
            observer.OnText(EndMarker.AsSpan(0, _matched));
            _matched = 0;
        }

        // A lone '<' stays held: it may begin the next <tool_call>.
    }

    // The index of the first '<' in a chunk of at most SmallChunk characters, or -1: a plain loop, as the vectorized
    // search costs more than it saves on a token.
    private static int IndexOfLessThan(ReadOnlySpan<char> text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == '<')
            {
                return i;
            }
        }

        return -1;
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowCompleted() => throw new InvalidOperationException("The parser has already completed.");

    private static void Diagnose(IToolCallParserObserver observer, string code, string message, long offset) =>
        observer.OnDiagnostic(new ParserDiagnostic(code, message, offset));

    private static string Describe(char c) => char.IsControl(c) ? $"control character U+{(int)c:X4}" : $"unexpected '{c}'";
}
