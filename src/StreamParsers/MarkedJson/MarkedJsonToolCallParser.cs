using System.Buffers;
using System.Diagnostics;
using System.Globalization;

namespace ToolFlow.StreamParsers;

/// <summary>
/// An incremental parser for the open-model tool-call formats that write JSON between markers: Hermes and its
/// variants, Llama 3 JSON, Mistral, Kimi K2, DeepSeek V3/V3.1/R1, gpt-oss Harmony, Granite, Hunyuan, xLAM,
/// GigaChat 3, Command R7B, LongCat, Phi-4-mini, InternLM, MiniMax, Nemotron, Apertus and more (see
/// <see cref="Formats"/>), plus StepFun Step-3 and MiniCPM 5, which write XML-like parameters.
/// </summary>
/// <remarks>
/// <para>
/// Each format is a small grammar: the markers that start a call in text, what follows them (a tool name, an id,
/// one JSON object, an array of calls, end markers), and how the format marks reasoning. The parser reads every
/// character once. Text outside calls is reported as soon as it arrives, except a trailing piece that may be the
/// start of a marker, which is held until the next character decides. A call starts when its name is known and its
/// arguments begin; its arguments stream as raw JSON text; it completes
/// (<see cref="ToolCallCompletionReason.JsonClosed"/>) in the <see cref="Append"/> whose chunk holds the character
/// that closes the arguments object, and <see cref="ParsedToolCall.Offset"/> is the position just past that
/// character. XML-parameter calls complete at their closing tag (<see cref="ToolCallCompletionReason.EndMarker"/>),
/// with values typed from <see cref="ToolCallParserOptions.ToolSchemas"/>.
/// </para>
/// <para>
/// Reasoning (<c>&lt;think&gt;…&lt;/think&gt;</c>, <c>[THINK]…[/THINK]</c>, … at the start of the response) is
/// reported through <see cref="IToolCallParserObserver.OnReasoning"/>; markers inside reasoning are not calls. When
/// the prompt itself opened the reasoning (a chat template that ends with <c>&lt;think&gt;</c>), set
/// <see cref="ToolCallParserOptions.ReasoningStartsOpen"/>: the text up to the reasoning end marker is then reasoning,
/// unless the response starts right away with a call. Left unset, a response is reasoning only from an explicit start
/// marker: deciding later would mean holding back all the text until the end marker shows up, or never does.
/// </para>
/// <para>
/// Malformed input never throws and never stalls. Before a call starts, a block that does not follow the format is
/// reported as a diagnostic and surfaced as text exactly as written (bare JSON in text that is not a call is
/// surfaced without a diagnostic). A started call that goes wrong is aborted, then surfaced likewise. After a call
/// completes, a missing end marker only adds a diagnostic. Limits (<see cref="ToolCallParserOptions"/>) abort the
/// call with a diagnostic; nothing the parser holds grows without bound.
/// </para>
/// </remarks>
internal sealed partial class MarkedJsonToolCallParser : ToolCallTextParser
{
    // The most characters a block may hold besides a call's arguments (markers, names, whitespace, other members).
    private const int WrapperBudget = 1024;

    private static readonly SearchValues<char> s_identifierChars =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.:/");

    private readonly MarkedJsonGrammar _grammar;
    private readonly string _format;
    private readonly bool _reasoningStartsOpen;

    private IToolCallParserObserver? _observer;
    private Mode _mode;
    private MarkedLiteralMatcher _matcher;

    // The absolute position of the first character the matcher consumed while scanning free text.
    private long _matchStart;

    // The block: what was read since the last commit, while it may still be surfaced as text.
    private PooledCharBuffer _block;
    private long _blockStart;
    private bool _blockStartsWithLookahead;
    private bool _speculative;
    private bool _blockHadCall;

    private int _pc;
    private int _stepStart;
    private int _capturePhase;

    // A capture step's text is the block from _stepStart to _captureEnd.
    private int _captureEnd;
    private bool _isCompleted;

    /// <summary>Initializes a parser for one response.</summary>
    /// <param name="format">The format: one of <see cref="Formats"/>.</param>
    /// <param name="options">
    /// Limits, tool schemas and <see cref="ToolCallParserOptions.ReasoningStartsOpen"/>, or <see langword="null"/> for
    /// <see cref="ToolCallParserOptions.Default"/>.
    /// </param>
    /// <exception cref="ArgumentException"><paramref name="format"/> is not one of <see cref="Formats"/>.</exception>
    public MarkedJsonToolCallParser(string format, ToolCallParserOptions? options = null)
        : base(options)
    {
        ArgumentNullException.ThrowIfNull(format);
        _grammar = MarkedJsonGrammars.Find(format)
            ?? throw new ArgumentException($"There is no marked-JSON format named '{format}'. The formats are: {string.Join(", ", Formats)}.", nameof(format));
        _format = format;
        _reasoningStartsOpen = Options.ReasoningStartsOpen == true && _grammar.ReasoningEnd is not null;
        ResetCall();
        if (_grammar.ReasoningStart is not null || _reasoningStartsOpen)
        {
            _mode = Mode.Start;
            _matcher.Reset(_grammar.StartSet);
        }
        else if (_grammar.InitialEntry >= 0)
        {
            _speculative = true;
            _pc = _grammar.InitialEntry;
            _mode = Mode.Program;
            InitStep();
        }
        else
        {
            EnterText();
        }
    }

    private enum Mode : byte
    {
        Start,
        Text,
        Reasoning,
        Program,
    }

    private enum FreeChannel : byte
    {
        Text,
        Reasoning,
        Capture,
        XmlValue,
    }

    /// <summary>The format names this parser reads.</summary>
    public static IReadOnlyList<string> Formats => MarkedJsonGrammars.Names;

    /// <summary>The format's registry name, as given to the constructor.</summary>
    public override string Format => _format;

    private MarkedJsonStep Step => _grammar.Steps[_pc];

    // Continues a response HermesToolCallParser has read up to position: at its start (where reasoning may begin), or
    // in text, with the calls numbered from startedCalls.
    internal void ResumeAt(long position, int startedCalls, bool atStart)
    {
        Position = position;
        _startedCalls = startedCalls;
        if (!atStart)
        {
            EnterText();
        }
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException"><see cref="Complete"/> was already called.</exception>
    public override void Append(ReadOnlySpan<char> chunk, IToolCallParserObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        if (_isCompleted)
        {
            throw new InvalidOperationException("The parser has already completed.");
        }

        if (_mode == Mode.Text && _matcher.Length == 0 && !chunk.ContainsAny(_grammar.Triggers.FirstChars))
        {
            // Plain text, the common case: nothing can start here.
            if (!chunk.IsEmpty)
            {
                observer.OnText(chunk);
            }

            Position += chunk.Length;
            return;
        }

        _observer = observer;
        Process(chunk, Position);
        ReportArguments();
        Position += chunk.Length;
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
        _observer = observer;
        try
        {
            switch (_mode)
            {
                case Mode.Start:
                    Emit(_matcher.Consumed, _reasoningStartsOpen ? FreeChannel.Reasoning : FreeChannel.Text);
                    break;
                case Mode.Text:
                    Emit(_matcher.Consumed, FreeChannel.Text);
                    break;
                case Mode.Reasoning:
                    Emit(_matcher.Consumed, FreeChannel.Reasoning);
                    break;
                case Mode.Program:
                    EndInProgram();
                    break;
                default:
                    break;
            }
        }
        finally
        {
            _observer = null;
            _matcher.Reset();
            _block.Release();
            ReleaseBodyBuffers();
        }
    }

    // Reads input whose first character is at absolute position origin; re-entered for characters read again.
    private void Process(ReadOnlySpan<char> input, long origin)
    {
        int i = 0;
        while (i < input.Length)
        {
            i = _mode switch
            {
                Mode.Start => ReadStart(input, i, origin),
                Mode.Text => ReadText(input, i, origin),
                Mode.Reasoning => ReadReasoning(input, i, origin),
                _ => RunStep(input, i, origin),
            };
        }
    }

    private void EnterText()
    {
        _mode = Mode.Text;
        _matcher.Reset(_grammar.Triggers);
    }

    private void EnterReasoning()
    {
        _mode = Mode.Reasoning;
        _matcher.Reset(_grammar.ReasoningEndSet!);
    }

    // At the start of the response: leading whitespace, then the reasoning start marker, a call's start marker (the
    // model wrote no reasoning), or anything else: reasoning when the prompt opened it, text otherwise.
    private int ReadStart(ReadOnlySpan<char> input, int i, long origin)
    {
        if (_matcher.Length == 0)
        {
            int skip = input[i..].IndexOfAnyExcept(" \t\r\n");
            if (skip < 0)
            {
                Emit(input[i..], FreeChannel.Text);
                return input.Length;
            }

            Emit(input.Slice(i, skip), FreeChannel.Text);
            i += skip;
            _matchStart = origin + i;
        }

        while (i < input.Length)
        {
            MarkedLiteralMatch match = _matcher.Feed(input[i]);
            if (match == MarkedLiteralMatch.Pending)
            {
                i++;
                continue;
            }

            int found = _matcher.Alternative;
            ReadOnlySpan<char> consumed = _matcher.Consumed;
            long at = _matchStart;
            int owned = match == MarkedLiteralMatch.Mismatch ? 0 : _matcher.Set.ConsumedLength(found);
            int next = match == MarkedLiteralMatch.Matched ? i + 1 : i;
            if (match == MarkedLiteralMatch.Mismatch)
            {
                if (_reasoningStartsOpen)
                {
                    EnterReasoning();
                }
                else
                {
                    EnterText();
                }
            }
            else if (_grammar.StartSetHasReasoningStart && found == 0)
            {
                EnterReasoning();
            }
            else
            {
                EnterText();
                OnTrigger(_grammar.StartSetHasReasoningStart ? found - 1 : found, at);
            }

            if (owned < consumed.Length)
            {
                Process(consumed[owned..], at + owned);
            }

            return next;
        }

        return i;
    }

    private int ReadText(ReadOnlySpan<char> input, int i, long origin)
    {
        int next = ScanFree(input, i, origin, FreeChannel.Text, out int found, out long start, out ReadOnlySpan<char> again, out long againAt);
        if (found >= 0)
        {
            OnTrigger(found, start);
        }

        if (!again.IsEmpty)
        {
            Process(again, againAt);
        }

        return next;
    }

    private int ReadReasoning(ReadOnlySpan<char> input, int i, long origin)
    {
        int next = ScanFree(input, i, origin, FreeChannel.Reasoning, out int found, out long start, out ReadOnlySpan<char> again, out long againAt);
        if (found >= 0)
        {
            EnterText();
            if (found > 0)
            {
                // A call's start marker ends the reasoning (the set lists the triggers after the end marker).
                OnTrigger(found - 1, start);
            }
        }

        if (!again.IsEmpty)
        {
            Process(again, againAt);
        }

        return next;
    }

    // Scans free text, reasoning or a capture for the literals of the matcher's set. Characters before a literal go
    // to the channel; a trailing piece that may begin a literal is held in the matcher. Returns the next index; found
    // is the literal that matched (then the caller acts on it), and again is held text to read again afterwards.
    private int ScanFree(ReadOnlySpan<char> input, int i, long origin, FreeChannel channel, out int found, out long foundStart, out ReadOnlySpan<char> again, out long againAt)
    {
        found = -1;
        foundStart = 0;
        again = default;
        againAt = 0;
        MarkedLiteralSet set = _matcher.Set;
        if (_matcher.Length > 0)
        {
            // Continue a literal held from earlier input.
            int chunkStart = i;
            int held = _matcher.Length;
            while (i < input.Length)
            {
                MarkedLiteralMatch match = _matcher.Feed(input[i]);
                if (match == MarkedLiteralMatch.Pending)
                {
                    i++;
                    continue;
                }

                if (match == MarkedLiteralMatch.Matched)
                {
                    found = _matcher.Alternative;
                    foundStart = _matchStart;
                    _matcher.Reset();
                    return i + 1;
                }

                ReadOnlySpan<char> consumed = _matcher.Consumed;
                if (match == MarkedLiteralMatch.Fallback)
                {
                    found = _matcher.Alternative;
                    foundStart = _matchStart;
                    int owned = set.ConsumedLength(found);
                    _matcher.Reset();
                    if (owned < held)
                    {
                        again = consumed[owned..held];
                        againAt = foundStart + owned;
                        return chunkStart;
                    }

                    return chunkStart + (owned - held);
                }

                // Not a literal after all: its first character is plain, the rest is read again.
                _matcher.Reset();
                Emit(consumed[..1], channel);
                again = consumed[1..held];
                againAt = _matchStart + 1;
                return chunkStart;
            }

            return i;
        }

        int textStart = i;
        while (true)
        {
            int candidate = input[i..].IndexOfAny(set.FirstChars);
            if (candidate < 0)
            {
                Emit(input[textStart..], channel);
                return input.Length;
            }

            int p = i + candidate;
            if (p + 1 < input.Length && set.CannotBegin(input[p], input[p + 1]))
            {
                i = p + 1;
                continue;
            }

            int q = p;
            MarkedLiteralMatch match;
            do
            {
                match = _matcher.Feed(input[q]);
                if (match is MarkedLiteralMatch.Pending or MarkedLiteralMatch.Matched)
                {
                    q++;
                }
            }
            while (match == MarkedLiteralMatch.Pending && q < input.Length);

            switch (match)
            {
                case MarkedLiteralMatch.Pending:
                    Emit(input[textStart..p], channel);
                    _matchStart = origin + p;
                    return input.Length;
                case MarkedLiteralMatch.Matched:
                    Emit(input[textStart..p], channel);
                    found = _matcher.Alternative;
                    foundStart = origin + p;
                    _matcher.Reset();
                    return q;
                case MarkedLiteralMatch.Fallback:
                    Emit(input[textStart..p], channel);
                    found = _matcher.Alternative;
                    foundStart = origin + p;
                    _matcher.Reset();
                    return p + set.ConsumedLength(found);
                default:
                    _matcher.Reset();
                    i = p + 1;
                    break;
            }
        }
    }

    private void Emit(ReadOnlySpan<char> text, FreeChannel channel)
    {
        if (text.IsEmpty)
        {
            return;
        }

        switch (channel)
        {
            case FreeChannel.Text:
                _observer!.OnText(text);
                break;
            case FreeChannel.Reasoning:
                _observer!.OnReasoning(text);
                break;
            case FreeChannel.Capture:
                _block.Append(text);
                break;
            default:
                AppendXmlValue(text);
                break;
        }
    }

    private void OnTrigger(int trigger, long start)
    {
        int entry = _grammar.TriggerEntries[trigger];
        if (entry == MarkedJsonGrammar.StrayReasoningEnd)
        {
            // A reasoning end marker outside reasoning (the template opened it, or the model repeats it): dropped.
            return;
        }

        _block.Clear();
        _blockStart = start;
        _blockStartsWithLookahead = _grammar.Triggers.IsLookahead(trigger);
        if (!_blockStartsWithLookahead)
        {
            _block.Append(_grammar.Triggers[trigger]);
        }

        _speculative = _grammar.TriggerSpeculative[trigger];
        _blockHadCall = false;
        ResetCall();
        Goto(entry);
    }

    private void Diagnose(string code, string message, long offset) =>
        _observer!.OnDiagnostic(new ParserDiagnostic(code, message, offset));
}
