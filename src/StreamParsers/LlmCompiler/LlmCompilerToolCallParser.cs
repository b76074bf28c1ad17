using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace ToolFlow.StreamParsers;

/// <summary>
/// An incremental parser for LLMCompiler plans: numbered task lines <c>2. math("double it", ["$1"])</c>,
/// <c>Thought:</c> lines, and <c>join()&lt;END_OF_PLAN&gt;</c>, each task a tool call that may refer to earlier
/// tasks' results as <c>$N</c> or <c>${N}</c>.
/// </summary>
/// <remarks>
/// <para>
/// A task line is a number, <c>.</c>, spaces, a tool name and its parenthesized positional arguments. The task
/// starts (<see cref="IToolCallParserObserver.OnCallStarted"/>, with the task number as the call id) when its
/// <c>(</c> is read, and completes (<see cref="ToolCallCompletionReason.JsonClosed"/>) at the <c>)</c> that closes it,
/// counting brackets outside quoted strings, in the <see cref="Append"/> whose chunk holds it. Its
/// <see cref="ParsedToolCall.ArgumentsJson"/> is <c>{"args":[...]}</c>: the arguments read as a Python literal tuple
/// as LLMCompiler does (<c>ast.literal_eval</c>: one list is the argument list itself; text that is not a literal,
/// such as <c>search(Star Wars)</c>, is one string). The whole arguments JSON is reported in one
/// <see cref="IToolCallParserObserver.OnArgumentsDelta"/> just before completion.
/// </para>
/// <para>
/// When the line ends with the parentheses still open (an apostrophe in unquoted text, say), the line is read as
/// LLMCompiler's own pattern reads it: the arguments run to the last <c>)</c> on the line, and the task completes
/// at the line's end (<see cref="ToolCallCompletionReason.EndMarker"/>). A line with no <c>)</c> at all is dropped, as
/// LLMCompiler drops it: the started call is aborted with <see cref="PythonicDiagnosticCodes.PlanTaskMalformed"/>.
/// </para>
/// <para>
/// Dependencies (<see cref="LlmCompilerTask.Dependencies"/>, or <see cref="LlmCompilerPlan.GetDependencies"/> from
/// the call alone) are the earlier task numbers the arguments refer to, or for <c>join</c> every earlier task number
/// the plan wrote (from the call alone: every number below the join's). A
/// reference to a task that has not completed before is reported with
/// <see cref="PythonicDiagnosticCodes.PlanDependencyUnknown"/>. <c>Thought:</c> lines are reported as reasoning and
/// attached to the next task (<see cref="LlmCompilerTask.Thought"/>). Other lines, and everything after
/// <c>&lt;END_OF_PLAN&gt;</c>, are text. A repeated task number drops the later task with a diagnostic.
/// </para>
/// </remarks>
internal sealed partial class LlmCompilerToolCallParser : ToolCallTextParser
{
    private const string ThoughtPrefix = "Thought:";
    private const string EndOfPlan = "<END_OF_PLAN>";
    private const int MaxLinePrefix = 256;
    private const int MaxTaskDigits = 9;

    private static readonly SearchValues<char> s_argumentStops = SearchValues.Create("'\"()[]{}\n");

    private readonly List<LlmCompilerTask> _tasks = [];
    private readonly HashSet<int> _usedNumbers = [];
    private readonly HashSet<int> _completedNumbers = [];
    private Mode _mode;

    // The start of the current line, held until it is known to be a task, a thought, the end of the plan or text.
    private PooledCharBuffer _line;
    private PooledCharBuffer _arguments;
    private PooledCharBuffer _thought;
    private PooledCharBuffer _json;
    private PythonLiteralReader _reader;
    private string? _pendingThought;
    private string? _name;
    private int _nameStart;
    private int _taskIndex;
    private int _digits;
    private int _matched;
    private bool _skipSpace;
    private int _depth;
    private char _quote;
    private bool _escape;
    private int _callIndex;
    private int _startedCalls;
    private bool _isStarted;
    private bool _isCompleted;

    /// <summary>Initializes a parser for one response.</summary>
    /// <param name="options">Limits, or <see langword="null"/> for <see cref="ToolCallParserOptions.Default"/>.</param>
    public LlmCompilerToolCallParser(ToolCallParserOptions? options = null)
        : base(options)
    {
        // The arguments object and its "args" array are two levels; values may nest the rest.
        _reader = new PythonLiteralReader(Math.Max(0, Options.MaxDepth - 2), jsonConstants: false);
    }

    private enum Mode : byte
    {
        LineStart,
        Number,
        Dot,
        Space,
        Name,
        Arguments,
        AfterTask,
        ThoughtPrefix,
        Thought,
        EndMarker,
        TextLine,
        SkipLine,
        Finished,
    }

    /// <summary>The format's registry name: <c>llmcompiler</c>.</summary>
    public override string Format => "llmcompiler";

    /// <summary>The tasks completed so far, in plan order, with their numbers, dependencies and thoughts.</summary>
    public IReadOnlyList<LlmCompilerTask> Tasks => _tasks;

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException"><see cref="Complete"/> was already called.</exception>
    public override void Append(ReadOnlySpan<char> chunk, IToolCallParserObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        if (_isCompleted)
        {
            throw new InvalidOperationException("The parser has already completed.");
        }

        long origin = Position;
        int i = 0;
        while (i < chunk.Length)
        {
            i = _mode switch
            {
                Mode.Arguments => ReadArguments(chunk, i, origin, observer),
                Mode.Thought => ReadThought(chunk, i, observer),
                Mode.TextLine or Mode.SkipLine => ReadRestOfLine(chunk, i, observer),
                Mode.Finished => Emit(observer, chunk[i..], chunk.Length),
                _ => Step(chunk, i, origin, observer),
            };
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
            case Mode.Arguments:
                EndArgumentsLine(observer, Position, ToolCallCompletionReason.EndOfStream);
                break;
            case Mode.Thought:
                EndThought();
                break;
            case Mode.LineStart or Mode.Number or Mode.Dot or Mode.Space or Mode.Name or Mode.ThoughtPrefix or Mode.EndMarker:
                Emit(observer, _line.Span, 0);
                break;
            default:
                break;
        }

        _line.Release();
        _arguments.Release();
        _thought.Release();
        _json.Release();
    }

    private int Step(ReadOnlySpan<char> chunk, int i, long origin, IToolCallParserObserver observer)
    {
        char c = chunk[i];
        switch (_mode)
        {
            case Mode.LineStart:
                if (c is ' ' or '\t' or '\r')
                {
                    return Hold(chunk, i, observer);
                }

                if (c == '\n')
                {
                    _line.Append(chunk.Slice(i, 1));
                    Emit(observer, _line.Span, 0);
                    _line.Clear();
                    return i + 1;
                }

                if (char.IsAsciiDigit(c))
                {
                    _taskIndex = c - '0';
                    _digits = 1;
                    _mode = Mode.Number;
                    return Hold(chunk, i, observer);
                }

                if (c == ThoughtPrefix[0] || c == EndOfPlan[0])
                {
                    _mode = c == ThoughtPrefix[0] ? Mode.ThoughtPrefix : Mode.EndMarker;
                    _matched = 1;
                    return Hold(chunk, i, observer);
                }

                return ToText(observer, i);

            case Mode.Number:
                if (char.IsAsciiDigit(c) && _digits < MaxTaskDigits)
                {
                    _taskIndex = (_taskIndex * 10) + (c - '0');
                    _digits++;
                    return Hold(chunk, i, observer);
                }

                if (c == '.' && _taskIndex > 0)
                {
                    _mode = Mode.Dot;
                    return Hold(chunk, i, observer);
                }

                return ToText(observer, i);

            case Mode.Dot:
            case Mode.Space:
                if (c == ' ')
                {
                    _mode = Mode.Space;
                    return Hold(chunk, i, observer);
                }

                if (_mode == Mode.Space && IsWordChar(c))
                {
                    _nameStart = _line.Length;
                    _mode = Mode.Name;
                    return Hold(chunk, i, observer);
                }

                return ToText(observer, i);

            case Mode.Name:
                if (IsWordChar(c))
                {
                    return Hold(chunk, i, observer);
                }

                if (c == '(')
                {
                    StartTask(observer, origin + i + 1);
                    return i + 1;
                }

                return ToText(observer, i);

            case Mode.AfterTask:
                if (c is ' ' or '\t' or '\r')
                {
                    return i + 1;
                }

                if (c == '\n')
                {
                    _mode = Mode.LineStart;
                    return i + 1;
                }

                if (c == EndOfPlan[0])
                {
                    _line.Clear();
                    _mode = Mode.EndMarker;
                    _matched = 1;
                    return Hold(chunk, i, observer);
                }

                // A comment (LLMCompiler allows "#tag") is dropped with its line; other text is text.
                _mode = c == '#' ? Mode.SkipLine : Mode.TextLine;
                return i;

            case Mode.ThoughtPrefix:
                if (c != ThoughtPrefix[_matched])
                {
                    return ToText(observer, i);
                }

                i = Hold(chunk, i, observer);
                if (++_matched == ThoughtPrefix.Length)
                {
                    _line.Clear();
                    _thought.Clear();
                    _skipSpace = true;
                    _mode = Mode.Thought;
                }

                return i;

            default:
                // The end-of-plan marker.
                if (c != EndOfPlan[_matched])
                {
                    return ToText(observer, i);
                }

                i = Hold(chunk, i, observer);
                if (++_matched == EndOfPlan.Length)
                {
                    _line.Clear();
                    _mode = Mode.Finished;
                }

                return i;
        }
    }

    // Holds one more character of the line's start.
    private int Hold(ReadOnlySpan<char> chunk, int i, IToolCallParserObserver observer)
    {
        _line.Append(chunk.Slice(i, 1));
        return _line.Length > MaxLinePrefix ? ToText(observer, i + 1) : i + 1;
    }

    // The line is text: surface what was held and read the rest of the line as text, from i.
    private int ToText(IToolCallParserObserver observer, int i)
    {
        Emit(observer, _line.Span, 0);
        _line.Clear();
        _mode = Mode.TextLine;
        return i;
    }

    private int ReadRestOfLine(ReadOnlySpan<char> chunk, int i, IToolCallParserObserver observer)
    {
        int newline = chunk[i..].IndexOf('\n');
        int end = newline < 0 ? chunk.Length : i + newline + 1;
        if (_mode == Mode.TextLine)
        {
            Emit(observer, chunk[i..end], 0);
        }

        if (newline >= 0)
        {
            _line.Clear();
            _mode = Mode.LineStart;
        }

        return end;
    }

    private int ReadThought(ReadOnlySpan<char> chunk, int i, IToolCallParserObserver observer)
    {
        if (_skipSpace)
        {
            _skipSpace = false;
            if (chunk[i] == ' ')
            {
                return i + 1;
            }
        }

        int newline = chunk[i..].IndexOf('\n');
        int end = newline < 0 ? chunk.Length : i + newline;
        if (end > i)
        {
            observer.OnReasoning(chunk[i..end]);

            // The thought kept for the next task is bounded; the reasoning reported is not cut.
            int room = Options.MaxArgumentsLength - _thought.Length;
            _thought.Append(chunk[i..Math.Min(end, i + Math.Max(room, 0))]);
        }

        if (newline < 0)
        {
            return end;
        }

        observer.OnReasoning("\n");
        EndThought();
        _line.Clear();
        _mode = Mode.LineStart;
        return end + 1;
    }

    private void EndThought() => _pendingThought = new string(_thought.Span.TrimEnd('\r'));

    private void StartTask(IToolCallParserObserver observer, long offset)
    {
        _name = new string(_line.Span[_nameStart..]);
        _line.Clear();
        if (!_usedNumbers.Add(_taskIndex))
        {
            Diagnose(observer, PythonicDiagnosticCodes.PlanTaskRepeated, $"Task {_taskIndex} is already in the plan; the later task '{_name}' is dropped.", offset);
            _mode = Mode.SkipLine;
            return;
        }

        if (_startedCalls >= Options.MaxCallsPerResponse)
        {
            Diagnose(observer, ParserDiagnosticCodes.TooManyCalls, $"The plan has more than {Options.MaxCallsPerResponse} tasks; task {_taskIndex} is dropped.", offset);
            _mode = Mode.SkipLine;
            return;
        }

        _callIndex = _startedCalls++;
        _isStarted = true;
        observer.OnCallStarted(_callIndex, _taskIndex.ToString(CultureInfo.InvariantCulture), _name);
        _arguments.Clear();
        _depth = 1;
        _quote = '\0';
        _escape = false;
        _mode = Mode.Arguments;
    }

    private void Abort(IToolCallParserObserver observer, string code, string message, long offset)
    {
        if (_isStarted)
        {
            _isStarted = false;
            observer.OnCallAborted(_callIndex, message);
        }

        Diagnose(observer, code, message, offset);
    }

    private static int SkipWhitespace(ReadOnlySpan<char> text, int i)
    {
        while (i < text.Length && text[i] is ' ' or '\t' or '\r' or '\n')
        {
            i++;
        }

        return i;
    }

    private static int Emit(IToolCallParserObserver observer, ReadOnlySpan<char> text, int result)
    {
        if (!text.IsEmpty)
        {
            observer.OnText(text);
        }

        return result;
    }

    private static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c == '_';

    private static void Diagnose(IToolCallParserObserver observer, string code, string message, long offset) =>
        observer.OnDiagnostic(new ParserDiagnostic(code, message, offset));
}
