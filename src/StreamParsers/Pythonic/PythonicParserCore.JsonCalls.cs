namespace ToolFlow.StreamParsers;

/// <content>The calls written as JSON objects (LFM2): the envelope scanned for its name and arguments, which stream as
/// written.</content>
internal sealed partial class PythonicParserCore
{
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
        _envelope.Reset();
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
        _envelope.Track(scanEvent, _block.Span);

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
            case JsonScanEvent.MemberValueStart when _envelope.Value == JsonMember.Name && chunk[next - 1] != '"':
                return Fail(observer, ParserDiagnosticCodes.CallMissingName, "The tool call's name is not a string.", end - 1, next);
            case JsonScanEvent.MemberValueEnd when _envelope.Value == JsonMember.Name:
                _callName = JsonMemberKeys.DecodeString(_block.Span[(_envelope.NameStart + 1)..^1]);
                if (_callName.Length == 0)
                {
                    return Fail(observer, ParserDiagnosticCodes.CallMissingName, "The tool call's name is empty.", end, next);
                }

                StartJsonCall(observer, end);
                break;
            case JsonScanEvent.MemberValueEnd when _envelope.Value == JsonMember.Arguments && _isStarted:
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
        int argumentsLength = _envelope.ArgumentsStart < 0 ? 0 : (_envelope.ArgumentsEnd >= 0 ? _envelope.ArgumentsEnd : _block.Length) - _envelope.ArgumentsStart;
        if (argumentsLength > _options.MaxArgumentsLength)
        {
            at = _envelope.ArgumentsStart + _options.MaxArgumentsLength;
            return true;
        }

        if (_block.Length - _objectStart - argumentsLength > WrapperBudget)
        {
            // The first character past the budget, counting only characters outside the arguments.
            at = _envelope.ArgumentsStart < 0 || _objectStart + WrapperBudget < _envelope.ArgumentsStart
                ? _objectStart + WrapperBudget
                : _envelope.ArgumentsEnd + (WrapperBudget - (_envelope.ArgumentsStart - _objectStart));
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
        if (_envelope.ArgumentsEnd >= 0)
        {
            // The arguments came before the name.
            CompleteJsonCall(observer, end);
        }
    }

    private void CompleteJsonCall(IToolCallParserObserver observer, long end)
    {
        string json = _envelope.ArgumentsStart < 0 ? JsonArguments.Empty : new string(_block.Span[_envelope.ArgumentsStart.._envelope.ArgumentsEnd]);
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
            if (_envelope.ArgumentsStart < 0)
            {
                return;
            }

            int stop = (int)Math.Min(_envelope.ArgumentsEnd >= 0 ? _envelope.ArgumentsEnd : _block.Length, (long)_envelope.ArgumentsStart + limit);
            if (stop > _envelope.ArgumentsReported)
            {
                observer.OnArgumentsDelta(_callIndex, _block.Span[_envelope.ArgumentsReported..stop]);
                _envelope.ArgumentsReported = stop;
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
}
