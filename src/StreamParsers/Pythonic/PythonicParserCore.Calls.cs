using System.Text.Json;

namespace ToolFlow.StreamParsers;

/// <content>The calls of a Python-like list or block: names, keyword arguments read as Python literals, limits, and the
/// skip past a call that broke one.</content>
internal sealed partial class PythonicParserCore
{
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
}
