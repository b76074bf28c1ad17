using System.Globalization;
using System.Text.Json;

namespace ToolFlow.StreamParsers;

/// <content>A task's arguments: read raw to the parenthesis that closes them, within the length limit, then converted
/// as LLMCompiler reads them (Python literals, else one string).</content>
internal sealed partial class LlmCompilerToolCallParser
{
    // Reads arguments raw, to the parenthesis that closes them, following quotes and brackets.
    private int ReadArguments(ReadOnlySpan<char> chunk, int i, long origin, IToolCallParserObserver observer)
    {
        while (i < chunk.Length)
        {
            if (_escape)
            {
                _escape = false;
                if (chunk[i] != '\n')
                {
                    if (!TryAppendArguments(observer, chunk.Slice(i, 1), origin + i))
                    {
                        return i;
                    }

                    i++;
                    continue;
                }
            }

            int stop = _quote != '\0' ? chunk[i..].IndexOfAny(_quote, '\\', '\n') : chunk[i..].IndexOfAny(s_argumentStops);
            int at = stop < 0 ? chunk.Length : i + stop;
            if (!TryAppendArguments(observer, chunk[i..at], origin + i))
            {
                return i;
            }

            if (stop < 0)
            {
                return chunk.Length;
            }

            char c = chunk[at];
            i = at + 1;
            switch (c)
            {
                case '\n':
                    EndArgumentsLine(observer, origin + i, ToolCallCompletionReason.EndMarker);
                    _mode = Mode.LineStart;
                    _line.Clear();
                    return i;
                case '\\':
                    _escape = true;
                    break;
                case '\'' or '"':
                    _quote = _quote == '\0' ? c : '\0';
                    break;
                case '(' or '[' or '{':
                    _depth++;
                    break;
                case ')' when _depth == 1:
                    CompleteTask(observer, _arguments.Span, origin + i, ToolCallCompletionReason.JsonClosed);
                    _mode = Mode.AfterTask;
                    return i;
                default:
                    // Only ')' closes the call itself; a stray ']' or '}' at its level is kept as text.
                    if (_depth > 1)
                    {
                        _depth--;
                    }

                    break;
            }

            if (!TryAppendArguments(observer, chunk.Slice(at, 1), origin + at))
            {
                return at;
            }
        }

        return i;
    }

    // Keeps arguments text within MaxArgumentsLength; past it, the task is dropped with the rest of its line. The
    // offset is that of the first character past the limit, whatever the chunking.
    private bool TryAppendArguments(IToolCallParserObserver observer, ReadOnlySpan<char> text, long offset)
    {
        int room = Options.MaxArgumentsLength - _arguments.Length;
        if (text.Length <= room)
        {
            _arguments.Append(text);
            return true;
        }

        Abort(observer, ParserDiagnosticCodes.ArgumentsTooLong, $"The arguments of task {_taskIndex} are longer than {Options.MaxArgumentsLength} characters; the task is dropped.", offset + room);
        _mode = Mode.SkipLine;
        return false;
    }

    // The line (or input) ended with the task's parentheses open: read it as LLMCompiler's pattern does.
    private void EndArgumentsLine(IToolCallParserObserver observer, long offset, ToolCallCompletionReason reason)
    {
        int close = _arguments.Span.LastIndexOf(')');
        if (close >= 0)
        {
            CompleteTask(observer, _arguments.Span[..close], offset, reason);
            return;
        }

        Abort(
            observer,
            reason == ToolCallCompletionReason.EndOfStream ? ParserDiagnosticCodes.CallUnterminated : PythonicDiagnosticCodes.PlanTaskMalformed,
            $"Task {_taskIndex} ('{_name}') has no closing parenthesis; the task is dropped.",
            offset);
    }

    private void CompleteTask(IToolCallParserObserver observer, ReadOnlySpan<char> raw, long offset, ToolCallCompletionReason reason)
    {
        if (!TryConvertArguments(raw))
        {
            Abort(observer, ParserDiagnosticCodes.ArgumentsTooDeep, $"The arguments of task {_taskIndex} nest deeper than {Options.MaxDepth} levels; the task is dropped.", offset);
            return;
        }

        string json = string.Concat("{\"args\":", _json.Span, "}");
        if (json.Length > Options.MaxArgumentsLength)
        {
            Abort(observer, ParserDiagnosticCodes.ArgumentsTooLong, $"The arguments of task {_taskIndex} are longer than {Options.MaxArgumentsLength} characters as JSON; the task is dropped.", offset - 1);
            return;
        }

        observer.OnArgumentsDelta(_callIndex, json);
        JsonElement? arguments = JsonArguments.Parse(json, Options.MaxDepth, out string? error, out string? code);
        if (code is not null)
        {
            Diagnose(observer, code, error!, offset);
        }

        var references = new List<int>();
        List<int> dependencies = LlmCompilerPlan.Compute(_name!, _taskIndex, raw, references, _usedNumbers);
        foreach (int reference in references)
        {
            if (!_completedNumbers.Contains(reference))
            {
                Diagnose(
                    observer,
                    PythonicDiagnosticCodes.PlanDependencyUnknown,
                    reference >= _taskIndex
                        ? $"Task {_taskIndex} refers to ${reference}, which is not an earlier task; the reference is ignored."
                        : $"Task {_taskIndex} refers to ${reference}, which has not completed in this plan.",
                    offset);
            }
        }

        _completedNumbers.Add(_taskIndex);
        _isStarted = false;
        var call = new ParsedToolCall(_callIndex, _taskIndex.ToString(CultureInfo.InvariantCulture), _name!, json, arguments, reason, offset, error);
        _tasks.Add(new LlmCompilerTask(call, _taskIndex, dependencies, _pendingThought));
        _pendingThought = null;
        observer.OnCallCompleted(call);
    }

    // Reads raw arguments as Python's ast.literal_eval reads them, into _json as a JSON array; false when too deep.
    private bool TryConvertArguments(ReadOnlySpan<char> raw)
    {
        _json.Clear();
        _json.Append("[");
        if (raw.Trim(" \t\r\n").IsEmpty)
        {
            _json.Append("]");
            return true;
        }

        int i = 0;
        int count = 0;
        bool trailingComma = false;
        bool firstIsSequence = false;
        while (true)
        {
            i = SkipWhitespace(raw, i);
            if (i == raw.Length)
            {
                break;
            }

            if (count > 0)
            {
                _json.Append(",");
            }
            else
            {
                firstIsSequence = raw[i] is '[' or '(';
            }

            _reader.Reset();
            i += _reader.Read(raw[i..], ref _json, out PythonLiteralStatus status);
            if (status == PythonLiteralStatus.Error && _reader.IsTooDeep)
            {
                return false;
            }

            if (status == PythonLiteralStatus.Error || (status == PythonLiteralStatus.NeedMore && !_reader.TryFinish(ref _json)))
            {
                SetRawArgument(raw);
                return true;
            }

            count++;
            trailingComma = false;
            i = SkipWhitespace(raw, i);
            if (i == raw.Length)
            {
                break;
            }

            if (raw[i] != ',')
            {
                SetRawArgument(raw);
                return true;
            }

            i++;
            trailingComma = true;
        }

        if (count == 1 && !trailingComma && firstIsSequence)
        {
            // One list or tuple is the argument list itself.
            ReadOnlySpan<char> inner = _json.Span[1..];
            string list = new(inner);
            _json.Clear();
            _json.Append(list);
            return true;
        }

        _json.Append("]");
        return true;
    }

    // Text that is not a literal is one string argument, as LLMCompiler passes it.
    private void SetRawArgument(ReadOnlySpan<char> raw)
    {
        _json.Clear();
        _json.Append("[");
        PythonLiteralReader.AppendJsonString(ref _json, raw);
        _json.Append("]");
    }
}
