using System.Text.Json;

namespace ToolFlow.StreamParsers;

/// <summary>
/// The machinery shared by the parsers of formats that write a call as markup: a function name, then parameters
/// as elements or special-token pairs (Qwen3-Coder <c>&lt;function=…&gt;&lt;parameter=…&gt;</c>, GLM
/// <c>&lt;arg_key&gt;</c>/<c>&lt;arg_value&gt;</c>, MiniMax and DeepSeek <c>invoke</c>/<c>parameter</c>, Gemma 4
/// <c>call:NAME{…}</c>). A derived reader describes one format's call grammar; this class does the rest.
/// </summary>
/// <remarks>
/// <para>
/// <b>Lexing.</b> The input is cut into markers (the fixed strings the current state looks for, see
/// <see cref="XmlMarkerSet"/>) and content between them. A chunk that ends inside what may be a marker holds only
/// that suffix; a next character that still only continues a marker is held with it, and one that decides it makes
/// the lexer read the held characters and that one character again, which is bounded by the longest marker. Every
/// other character is read once: the whole input costs O(n). Chunks of a few characters with nothing held (a
/// token stream) take a short path: text that cannot begin a marker is reported without the lexer.
/// </para>
/// <para>
/// <b>Text and reasoning.</b> Outside calls, text is reported as it arrives. A reasoning block (<c>&lt;think&gt;…
/// &lt;/think&gt;</c>) is reported as reasoning. Many chat templates open the reasoning block in the prompt, so the
/// model's output starts inside it and only closes it; for such formats the text at the start of the response is
/// held until it is decided: a closing reasoning marker makes it reasoning, an opening one, a call or the end of
/// the input make it text, and so does passing <see cref="UndecidedBudget"/> characters (the held text then
/// streams as text).
/// </para>
/// <para>
/// <b>Calls.</b> A call starts when its name is read and reports its arguments as the text of a JSON object built
/// member by member: a string parameter streams as it arrives, any other parameter is typed by the tool's schema
/// (<see cref="SchemaValueConverter"/>) when its element closes. The call completes at the end of its element.
/// </para>
/// <para>
/// <b>Malformed input</b> never throws and never stalls: the markup read since the call block began (or since the
/// last completed call) is reported as text, with a diagnostic, and a started call is aborted first. The limits of
/// <see cref="ToolCallParserOptions"/> abort a call (or drop it, past the call count) with a diagnostic.
/// </para>
/// </remarks>
internal abstract partial class XmlParameterCallReader
{
    /// <summary>The most characters a tag name, attribute list or other wrapper text may hold.</summary>
    protected const int WrapperBudget = 1024;

    /// <summary>The diagnostic code for markup that does not follow the format; the markup is kept as text.</summary>
    protected const string CallMalformed = "call-malformed";

    /// <summary>The most characters held at the start of a response while it is unknown whether they are reasoning.</summary>
    protected const int UndecidedBudget = 8192;

    // The longest chunk read by the paths for a token stream (AppendSmall); longer ones go through AppendCore.
    private const int SmallChunk = 16;

    private readonly XmlMarkerSet _textMarkers;
    private readonly XmlMarkerSet _undecidedMarkers;
    private readonly XmlMarkerSet _reasoningMarkers;
    private readonly int _entryCount;
    private readonly ReasoningSyntax? _reasoning;

    // The template opened the reasoning block: held text that no marker decides is reasoning, not text.
    private readonly bool _undecidedIsReasoning;

    private Region _region;
    private PooledCharBuffer _held;
    private long _heldOrigin;

    // A marker the held characters are the beginning of (and shorter than), when known.
    private string? _heldMarker;
    private PooledCharBuffer _window;
    private PooledCharBuffer _undecided;
    private PooledCharBuffer _raw;
    private PooledCharBuffer _json;
    private int _jsonReported;
    private IToolCallParserObserver? _observer;
    private bool _isFinal;
    private bool _isCompleted;

    private string? _parameter;
    private SchemaValueConverter.SchemaTypes _parameterTypes;
    private PooledCharBuffer _parameterValue;
    private bool _stripNewlines;
    private bool _streaming;
    private bool _atValueStart;
    private bool _heldNewline;

    private int _calls;
    private int _callIndex;
    private string? _callName;
    private int _members;

    /// <summary>Initializes a reader.</summary>
    /// <param name="options">Limits and tool schemas.</param>
    /// <param name="entryMarkers">The markers that begin a call region in text (ids 0, 1, … in <see cref="OnEnter"/>).</param>
    /// <param name="reasoning">How the format marks reasoning, or <see langword="null"/> when it does not.</param>
    protected XmlParameterCallReader(ToolCallParserOptions options, string[] entryMarkers, ReasoningSyntax? reasoning)
    {
        Options = options;
        _entryCount = entryMarkers.Length;
        _reasoning = reasoning;
        if (reasoning is null)
        {
            _textMarkers = _undecidedMarkers = new XmlMarkerSet(entryMarkers);
            _reasoningMarkers = XmlMarkerSet.None;
        }
        else
        {
            _textMarkers = new XmlMarkerSet([.. entryMarkers, reasoning.Open]);
            _undecidedMarkers = new XmlMarkerSet([.. entryMarkers, reasoning.Open, reasoning.Close]);
            _reasoningMarkers = new XmlMarkerSet(reasoning.Close);
        }

        _region = reasoning is null || options.ReasoningStartsOpen == false ? Region.Text
            : reasoning.MayOpenInPrompt || options.ReasoningStartsOpen == true ? Region.Undecided
            : Region.Text;
        _undecidedIsReasoning = options.ReasoningStartsOpen == true;
    }

    private enum Region : byte
    {
        Undecided,
        Text,
        Reasoning,
        Call,
    }

    /// <summary>How many characters have been read.</summary>
    public long Position { get; private set; }

    /// <summary>The limits and tool schemas.</summary>
    protected ToolCallParserOptions Options { get; }

    /// <summary>The observer of the current <see cref="Append"/> or <see cref="Complete"/>.</summary>
    protected IToolCallParserObserver Observer => _observer!;

    /// <summary>The name of the call being read, once started.</summary>
    protected string CallName => _callName!;

    /// <summary>Whether a call has started and has neither completed nor been aborted.</summary>
    protected bool IsCallActive { get; private set; }

    /// <summary>The markers the call grammar looks for in its current state.</summary>
    protected abstract XmlMarkerSet CallMarkers { get; }

    /// <summary>Reads the next chunk.</summary>
    /// <param name="chunk">The chunk.</param>
    /// <param name="observer">Receives what the chunk completes.</param>
    public void Append(ReadOnlySpan<char> chunk, IToolCallParserObserver observer)
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
            AppendSmall(chunk, observer);
        }
        else
        {
            AppendCore(chunk, observer);
        }
    }

    private void AppendSmall(ReadOnlySpan<char> chunk, IToolCallParserObserver observer)
    {
        if (_held.Length == 0)
        {
            // The steady state between calls: text that cannot begin a marker is reported as it is, which is what
            // lexing it would do, without the lexer's dispatch (which dominates small chunks).
            if (_region == Region.Text && _textMarkers.IndexOfCandidate(chunk) < 0)
            {
                if (!chunk.IsEmpty)
                {
                    observer.OnText(chunk);
                }

                Position += chunk.Length;
                return;
            }

            // Inside a call, a character that cannot begin a marker is content: what Lex does with it, without its
            // loop. A character the grammar leaves unread (its state changed) goes to the lexer, as in Lex.
            if (_region == Region.Call && chunk.Length == 1 && CallMarkers.IndexOfCandidate(chunk) < 0)
            {
                _observer = observer;
                if (OnCallContent(chunk, Position) == 1)
                {
                    Position++;
                    return;
                }
            }
        }
        else if (chunk.Length == 1 && ContinuesHeld(chunk[0]))
        {
            // One more character of a marker that is not yet decided (what AppendCore does with it).
            _held.Append(chunk);
            Position++;
            return;
        }

        AppendCore(chunk, observer);
    }

    private void AppendCore(ReadOnlySpan<char> chunk, IToolCallParserObserver observer)
    {
        if (!ReferenceEquals(_observer, observer))
        {
            _observer = observer;
        }

        int i = 0;
        while (_held.Length > 0 && i < chunk.Length)
        {
            if (ContinuesHeld(chunk[i]))
            {
                _held.Append(chunk.Slice(i, 1));
                i++;
                continue;
            }

            // Decide the held characters with one more: lex them again, with it (bounded by the longest marker).
            _heldMarker = null;
            _window.Clear();
            _window.Append(_held.Span);
            _window.Append(chunk.Slice(i, 1));
            long origin = _heldOrigin;
            _held.Clear();
            Lex(_window.Span, origin);
            i++;
        }

        Lex(chunk[i..], Position + i);
        Position += chunk.Length;
    }

    // Whether the held characters followed by next are still the beginning of a marker (the one they were last
    // found to begin, or another), and nothing else: then lexing them again with it would hold them all again, as
    // the markers are those they were lexed with. Only a character that decides them needs the lexer.
    private bool ContinuesHeld(char next)
    {
        string? marker = _heldMarker;
        int held = _held.Length;
        if ((marker is not null && marker.Length > held + 1 && marker[held] == next) ||
            (marker = CurrentMarkers().FindContinuation(_held.Span, next)) is not null)
        {
            _heldMarker = marker;
            return true;
        }

        return false;
    }

    /// <summary>Ends the input: flushes what was held and ends an unfinished call.</summary>
    /// <param name="observer">Receives what the end completes.</param>
    public void Complete(IToolCallParserObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        if (_isCompleted)
        {
            return;
        }

        _observer = observer;
        _isFinal = true;
        if (_held.Length > 0 && _region == Region.Call)
        {
            // A marker cut off by the end: the call is unfinished, whatever the marker was.
            _raw.Append(_held.Span);
            _held.Clear();
        }
        else if (_held.Length > 0)
        {
            // No marker can match any more: the held characters are content.
            _window.Clear();
            _window.Append(_held.Span);
            _held.Clear();
            Lex(_window.Span, _heldOrigin);
        }

        switch (_region)
        {
            case Region.Undecided:
                FlushUndecided(asReasoning: _undecidedIsReasoning);
                break;
            case Region.Call:
                OnCallEnd(Position);
                break;
            default:
                break;
        }

        _isCompleted = true;
        _held.Release();
        _window.Release();
        _undecided.Release();
        _raw.Release();
        _json.Release();
        _parameterValue.Release();
    }

    /// <summary>A call region began: the grammar sets its first state.</summary>
    /// <param name="entry">Which entry marker began it.</param>
    /// <param name="end">The input position just past the marker.</param>
    protected abstract void OnEnter(int entry, long end);

    /// <summary>Reads content (text between markers) in the call region.</summary>
    /// <param name="content">The content; never empty.</param>
    /// <param name="offset">The input position of its first character.</param>
    /// <returns>
    /// How many characters were read. Fewer than all only when the state changed so that the rest must be lexed
    /// again (for example after <see cref="FallBack"/> or <see cref="Surface"/> ended the call region).
    /// </returns>
    protected abstract int OnCallContent(ReadOnlySpan<char> content, long offset);

    /// <summary>Reads a marker of <see cref="CallMarkers"/> (already kept in the raw markup).</summary>
    /// <param name="id">The marker's id in the set.</param>
    /// <param name="end">The input position just past the marker.</param>
    protected abstract void OnCallMarker(int id, long end);

    /// <summary>The input ended inside the call region.</summary>
    /// <param name="end">The input length.</param>
    protected abstract void OnCallEnd(long end);

    /// <summary>Keeps call-region input in the raw markup, which <see cref="FallBack"/> and <see cref="Surface"/> report as text.</summary>
    /// <param name="text">The input.</param>
    protected void Keep(ReadOnlySpan<char> text) => _raw.Append(text);

    /// <summary>Drops the raw markup kept so far (after a call was skipped).</summary>
    protected void DropRaw() => _raw.Clear();

    /// <summary>Ends the call region normally: the raw markup is dropped and text follows.</summary>
    protected void Leave()
    {
        _raw.Clear();
        _region = Region.Text;
    }

    /// <summary>Ends the call region and reports its raw markup as text (nothing is lost).</summary>
    protected void Surface()
    {
        if (_raw.Length > 0)
        {
            Observer.OnText(_raw.Span);
            _raw.Clear();
        }

        _region = Region.Text;
    }

    /// <summary>
    /// The markup is not what the format expects: aborts a started call, reports a diagnostic, and reports the
    /// raw markup as text.
    /// </summary>
    /// <param name="code">The diagnostic code.</param>
    /// <param name="message">The diagnostic message.</param>
    /// <param name="offset">Where the problem is.</param>
    protected void FallBack(string code, string message, long offset)
    {
        if (IsCallActive)
        {
            IsCallActive = false;
            Observer.OnCallAborted(_callIndex, message);
        }

        Diagnose(code, message, offset);
        Surface();
    }

    /// <summary>Reports a diagnostic.</summary>
    /// <param name="code">The code.</param>
    /// <param name="message">The message.</param>
    /// <param name="offset">Where.</param>
    protected void Diagnose(string code, string message, long offset) =>
        Observer.OnDiagnostic(new ParserDiagnostic(code, message, offset));

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowCompleted() => throw new InvalidOperationException("The parser has already completed.");

    /// <summary>The input ended inside a call: a started call is aborted, the rest of one skipped over a limit dropped.</summary>
    /// <param name="isSkipping">Whether the reader was skipping the rest of a call over a limit.</param>
    /// <param name="end">The offset of the end.</param>
    protected void EndInsideCall(bool isSkipping, long end)
    {
        if (!isSkipping)
        {
            AbortCall(ParserDiagnosticCodes.CallUnterminated, $"The response ended inside the call to '{CallName}'.", end);
        }

        Leave();
    }

    /// <summary>The input ended before a call started: its text is surfaced, with a diagnostic saying where.</summary>
    /// <param name="where">Where the input ended, ending the sentence "The response ended inside …".</param>
    /// <param name="end">The offset of the end.</param>
    protected void EndBeforeCall(string where, long end) =>
        FallBack(ParserDiagnosticCodes.CallUnterminated, "The response ended inside " + where, end);

    /// <summary>Whether a character is white space between markup elements.</summary>
    /// <param name="c">The character.</param>
    /// <returns><see langword="true"/> for space, tab, carriage return and line feed.</returns>
    protected static bool IsSpace(char c) => c is ' ' or '\t' or '\r' or '\n';

    /// <summary>The index of the first character that is not white space, or -1.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The index, or -1.</returns>
    protected static int IndexOfNonSpace(ReadOnlySpan<char> text) => text.IndexOfAnyExcept(" \t\r\n");

    private void Lex(ReadOnlySpan<char> input, long origin)
    {
        int i = 0;
        while (i < input.Length)
        {
            XmlMarkerSet markers = CurrentMarkers();
            int candidate = markers.IndexOfCandidate(input[i..]);
            if (candidate != 0)
            {
                int length = candidate < 0 ? input.Length - i : candidate;
                i += Content(input.Slice(i, length), origin + i);
                continue;
            }

            int id = markers.Match(input[i..], _isFinal, out int markerLength);
            if (id >= 0)
            {
                i += markerLength;
                Marker(id, input.Slice(i - markerLength, markerLength), origin + i);
            }
            else if (id == XmlMarkerSet.Partial)
            {
                // The input ends inside what may be a marker: hold it for the next chunk to decide.
                _held.Append(input[i..]);
                _heldOrigin = origin + i;
                _heldMarker = null;
                return;
            }
            else
            {
                i += Content(input.Slice(i, 1), origin + i);
            }
        }
    }

    private XmlMarkerSet CurrentMarkers() => _region switch
    {
        Region.Undecided => _undecidedMarkers,
        Region.Text => _textMarkers,
        Region.Reasoning => _reasoningMarkers,
        _ => CallMarkers,
    };

    private int Content(ReadOnlySpan<char> content, long offset)
    {
        switch (_region)
        {
            case Region.Text:
                Observer.OnText(content);
                return content.Length;
            case Region.Reasoning when _reasoning!.KeepAsText:
                Observer.OnText(content);
                return content.Length;
            case Region.Reasoning:
                Observer.OnReasoning(content);
                return content.Length;
            case Region.Undecided:
                _undecided.Append(content);
                if (_undecided.Length > UndecidedBudget)
                {
                    if (_undecidedIsReasoning)
                    {
                        // Known to be reasoning: stream it, still watching for the markers that end it.
                        Observer.OnReasoning(_undecided.Span);
                        _undecided.Clear();
                    }
                    else
                    {
                        FlushUndecided(asReasoning: false);
                    }
                }

                return content.Length;
            default:
                return OnCallContent(content, offset);
        }
    }

    private void Marker(int id, ReadOnlySpan<char> marker, long end)
    {
        switch (_region)
        {
            case Region.Call:
                _raw.Append(marker);
                OnCallMarker(id, end);
                break;
            case Region.Reasoning:
                // The only marker here closes the reasoning block.
                _region = Region.Text;
                if (_reasoning!.KeepAsText)
                {
                    Observer.OnText(marker);
                }

                break;
            default:
                if (id < _entryCount)
                {
                    FlushUndecided(asReasoning: _undecidedIsReasoning);
                    _raw.Clear();
                    _raw.Append(marker);
                    _region = Region.Call;
                    OnEnter(id, end);
                }
                else if (id == _entryCount)
                {
                    // The reasoning block opens: what came before it was text.
                    FlushUndecided(asReasoning: false);
                    _region = Region.Reasoning;
                    if (_reasoning!.KeepAsText)
                    {
                        Observer.OnText(marker);
                    }
                }
                else
                {
                    // The reasoning block the prompt opened closes: what came before it was reasoning.
                    FlushUndecided(asReasoning: true);
                }

                break;
        }
    }

    private void FlushUndecided(bool asReasoning)
    {
        if (_region != Region.Undecided)
        {
            return;
        }

        if (_undecided.Length > 0)
        {
            if (asReasoning)
            {
                Observer.OnReasoning(_undecided.Span);
            }
            else
            {
                Observer.OnText(_undecided.Span);
            }

            _undecided.Clear();
        }

        _region = Region.Text;
    }

    // Reports what was written, or aborts the call when it passes the length limit. The diagnostic names the input
    // character that passed it: the same wherever the input was split.
    private bool Report(long offset, ReadOnlySpan<char> written, bool escaped, int before)
    {
        int max = Options.MaxArgumentsLength;
        if (_json.Length > max)
        {
            int length = before;
            for (int i = 0; i < written.Length; i++)
            {
                length += !escaped ? 1 : written[i] switch
                {
                    '"' or '\\' or '\n' or '\r' or '\t' or '\b' or '\f' => 2,
                    < ' ' => 6,
                    _ => 1,
                };

                if (length > max)
                {
                    offset += i;
                    break;
                }
            }

            if (max > _jsonReported)
            {
                Observer.OnArgumentsDelta(_callIndex, _json.Span[_jsonReported..max]);
            }

            AbortCall(ParserDiagnosticCodes.ArgumentsTooLong, $"The arguments of the call to '{_callName}' are longer than {Options.MaxArgumentsLength} characters; the call is skipped.", offset);
            return false;
        }

        ReportAll();
        return true;
    }

    private void ReportAll()
    {
        if (_json.Length > _jsonReported)
        {
            Observer.OnArgumentsDelta(_callIndex, _json.Span[_jsonReported..]);
            _jsonReported = _json.Length;
        }
    }

    /// <summary>How a format marks reasoning.</summary>
    /// <param name="Open">The marker that opens a reasoning block, for example <c>&lt;think&gt;</c>.</param>
    /// <param name="Close">The marker that closes it.</param>
    /// <param name="MayOpenInPrompt">Whether the chat template may open the block in the prompt, so that the response starts inside it.</param>
    /// <param name="KeepAsText">Whether the block is reported as text (markers included), only so that calls inside it are not read.</param>
    internal sealed record ReasoningSyntax(string Open, string Close, bool MayOpenInPrompt, bool KeepAsText = false);
}
