using System.Globalization;
using System.Text.Json;

namespace ToolFlow.StreamParsers;

/// <content>
/// The JSON bodies of calls (one envelope, an array of envelopes, name-keyed objects, bare arguments), and the life of
/// a call: started, arguments streamed, completed or aborted.
/// </content>
internal sealed partial class MarkedJsonToolCallParser
{
    private JsonBoundaryScanner _scanner;
    private BodyState _bodyState;
    private int _bodyCalls;

    // The current call.
    private string? _name;
    private string? _id;
    private int _callIndex;
    private int _startedCalls;
    private bool _isStarted;
    private bool _isCallDone;
    private bool _isSkipping;
    private int _argumentsStart;
    private int _argumentsEnd;
    private int _argumentsReported;

    // The current envelope object.
    private JsonMember _key;
    private JsonMember _value;
    private int _keyStart;
    private int _nameStart;
    private int _idStart;
    private bool _sawKey;

    private enum BodyState : byte
    {
        Open,
        ElementOrEnd,
        Element,
        AfterElement,
        Arguments,
    }

    // The arguments text the block holds (counted apart from the wrapper budget).
    private int ArgumentsLength =>
        _argumentsStart < 0 || _isCallDone ? 0 : (_argumentsEnd >= 0 ? _argumentsEnd : _block.Length) - _argumentsStart;

    private void ResetCall()
    {
        _name = null;
        _id = null;
        _callIndex = -1;
        _isStarted = false;
        _isCallDone = false;
        _isSkipping = false;
        _argumentsStart = -1;
        _argumentsEnd = -1;
        _argumentsReported = 0;
        ResetMembers();
    }

    private void ResetMembers()
    {
        _key = JsonMember.Other;
        _value = JsonMember.Other;
        _keyStart = -1;
        _nameStart = -1;
        _idStart = -1;
        _sawKey = false;
    }

    private void InitBody()
    {
        _bodyState = BodyState.Open;
        _bodyCalls = 0;
    }

    private int ReadBody(MarkedJsonStep step, ReadOnlySpan<char> input, int i, long origin)
    {
        switch (_bodyState)
        {
            case BodyState.Open:
            {
                char c = input[i];
                bool isArray = step.Body is MarkedJsonBodyKind.EnvelopeArray or MarkedJsonBodyKind.NameKeyedArray;
                if (c != (isArray ? '[' : '{'))
                {
                    FailBody(ParserDiagnosticCodes.CallMissingJson, isArray ? "A {0} tool-call marker is not followed by a JSON array; the text is kept as text." : "A {0} tool-call marker is not followed by a JSON object; the text is kept as text.", origin + i);
                    return i;
                }

                if (_block.Length > 0)
                {
                    // The bracket after a marker shows the block is meant as calls: from now on, failures are reported.
                    _speculative = false;
                }

                if (isArray)
                {
                    _block.Append(input.Slice(i, 1));
                    _bodyState = BodyState.ElementOrEnd;
                    return i + 1;
                }

                if (step.Body == MarkedJsonBodyKind.Arguments)
                {
                    BeginArguments(origin + i);
                }
                else
                {
                    BeginElement();
                }

                return i;
            }

            case BodyState.ElementOrEnd:
            case BodyState.AfterElement:
                return ReadArrayFraming(input, i, origin);
            case BodyState.Element:
                return ReadElement(step, input, i, origin);
            default:
                return ReadArguments(input, i, origin);
        }
    }

    private int ReadArrayFraming(ReadOnlySpan<char> input, int i, long origin)
    {
        ReadOnlySpan<char> window = input.Slice(i, Math.Min(input.Length - i, WrapperBudget + 1));
        int skip = window.IndexOfAnyExcept(" \t\r\n");
        int j = skip < 0 ? i + window.Length : i + skip;
        _block.Append(input[i..j]);
        if (_block.Length > WrapperBudget)
        {
            FailOverBudget(origin + j);
            return j;
        }

        if (j == input.Length)
        {
            return j;
        }

        char c = input[j];
        if (c == ']')
        {
            _block.Append(input.Slice(j, 1));
            if (_bodyCalls == 0)
            {
                FailBody(ParserDiagnosticCodes.CallMissingJson, "A {0} array of tool calls holds no calls; the text is kept as text.", origin + j + 1);
                return j + 1;
            }

            BodyDone(origin + j + 1);
            return j + 1;
        }

        if (_bodyState == BodyState.ElementOrEnd && c == '{')
        {
            BeginElement();
            return j;
        }

        if (_bodyState == BodyState.AfterElement && c == ',')
        {
            _block.Append(input.Slice(j, 1));
            _bodyState = BodyState.ElementOrEnd;
            return j + 1;
        }

        if (_bodyCalls == 0)
        {
            FailBody(ParserDiagnosticCodes.CallInvalidJson, "A {0} array of tool calls holds something other than call objects; the text is kept as text.", origin + j);
            return j;
        }

        Diagnose(ParserDiagnosticCodes.CallInvalidJson, $"A {_format} array of tool calls is not closed; what follows is read as text.", origin + j);
        BodyDone(origin + j);
        return j;
    }

    private void BeginElement()
    {
        ResetCall();
        _scanner = new JsonBoundaryScanner(Options.MaxDepth + 1, reportMembers: true);
        _bodyState = BodyState.Element;
    }

    private void BeginArguments(long position)
    {
        _bodyState = BodyState.Arguments;
        _scanner = new JsonBoundaryScanner(Options.MaxDepth, reportMembers: false);
        _argumentsStart = _argumentsReported = _block.Length;
        StartCall(position);
    }

    private int ReadArguments(ReadOnlySpan<char> input, int i, long origin)
    {
        int consumed = _scanner.Scan(input[i..], out JsonScanEvent scanEvent);
        int next = i + consumed;
        long end = origin + next;
        if (_isSkipping)
        {
            if (scanEvent == JsonScanEvent.ValueCompleted)
            {
                BodyDone(end);
            }

            return next;
        }

        _block.Append(input[i..next]);
        if (_block.Length - _argumentsStart > Options.MaxArgumentsLength)
        {
            AbortTooLong();
            if (scanEvent == JsonScanEvent.ValueCompleted)
            {
                BodyDone(end);
            }

            return next;
        }

        switch (scanEvent)
        {
            case JsonScanEvent.ValueCompleted:
                _argumentsEnd = _block.Length;
                CompleteCall(end, ToolCallCompletionReason.JsonClosed);
                BodyDone(end);
                break;
            case JsonScanEvent.Error when _scanner.Error == JsonScanError.TooDeep:
                AbortAndSkip(ParserDiagnosticCodes.ArgumentsTooDeep, $"The arguments of a {_format} tool call nest deeper than {Options.MaxDepth} levels; the call is skipped.", end);
                break;
            case JsonScanEvent.Error:
                FailBody(ParserDiagnosticCodes.CallInvalidJson, "The arguments of a {0} tool call are malformed ({1}); the text is kept as text.", end, input[next]);
                break;
            default:
                break;
        }

        return next;
    }

    private int ReadElement(MarkedJsonStep step, ReadOnlySpan<char> input, int i, long origin)
    {
        int consumed = _scanner.Scan(input[i..], out JsonScanEvent scanEvent);
        int next = i + consumed;
        long end = origin + next;
        if (_isCallDone || _isSkipping)
        {
            // The call is out (or dropped); read the rest of its object only to find where it ends.
            if (scanEvent == JsonScanEvent.ValueCompleted)
            {
                ElementDone(end);
            }
            else if (scanEvent == JsonScanEvent.Error)
            {
                Diagnose(ParserDiagnosticCodes.CallInvalidJson, $"A {_format} tool call's JSON is malformed after the call completed ({Describe(input[next])}).", end);
                ElementDone(end);
            }

            return next;
        }

        _block.Append(input[i..next]);
        if (_argumentsStart >= 0 && _argumentsEnd < 0 && _block.Length - _argumentsStart > Options.MaxArgumentsLength)
        {
            // Checked before the event: the step that overran the limit may also be the one that closes the arguments.
            AbortTooLong();
            return next;
        }

        bool named = step.Body == MarkedJsonBodyKind.NameKeyedArray;
        if (!(named ? OnNamedEvent(scanEvent, end) : OnEnvelopeEvent(step, scanEvent, end)))
        {
            return next;
        }

        if (_block.Length - _argumentsStart > Options.MaxArgumentsLength && _argumentsStart >= 0 && _argumentsEnd < 0)
        {
            AbortTooLong();
            return next;
        }

        if (_block.Length - ArgumentsLength > WrapperBudget)
        {
            FailOverBudget(end);
            return next;
        }

        switch (scanEvent)
        {
            case JsonScanEvent.Error when _scanner.Error == JsonScanError.TooDeep:
                AbortAndSkip(ParserDiagnosticCodes.ArgumentsTooDeep, $"The arguments of a {_format} tool call nest deeper than {Options.MaxDepth} levels; the call is skipped.", end);
                break;
            case JsonScanEvent.Error:
                FailBody(ParserDiagnosticCodes.CallInvalidJson, "A {0} tool call's JSON is malformed ({1}); the text is kept as text.", end, input[next]);
                break;
            default:
                break;
        }

        return next;
    }

    // Handles a member event of an envelope {"name", "arguments", "id"}. Returns false when the block was given up.
    private bool OnEnvelopeEvent(MarkedJsonStep step, JsonScanEvent scanEvent, long end)
    {
        switch (scanEvent)
        {
            case JsonScanEvent.MemberKeyStart:
                _keyStart = _block.Length;
                break;
            case JsonScanEvent.MemberKeyEnd:
                _key = JsonMemberKeys.Classify(_block.Span[_keyStart..^1], withIds: true);
                if (_key is JsonMember.Name or JsonMember.Arguments)
                {
                    // Bare JSON that names a tool or its arguments is meant as a call: from now on, failures are reported.
                    _speculative = false;
                }

                if (!_sawKey && step.FirstKeyIsName && _key != JsonMember.Name)
                {
                    return FailBody(ParserDiagnosticCodes.CallMissingName, "A {0} tool call's JSON does not start with its name; the text is kept as text.", end);
                }

                _sawKey = true;
                break;
            case JsonScanEvent.MemberValueStart:
            {
                char c = _block.Span[^1];
                _value = JsonMember.Other;
                if (_key == JsonMember.Name && _nameStart < 0)
                {
                    if (c != '"')
                    {
                        return FailBody(ParserDiagnosticCodes.CallMissingName, "A {0} tool call's name is not a string; the text is kept as text.", end);
                    }

                    _value = JsonMember.Name;
                    _nameStart = _block.Length - 1;
                }
                else if (_key == JsonMember.Arguments && _argumentsStart < 0)
                {
                    if (c != '{')
                    {
                        return FailBody(ParserDiagnosticCodes.ArgumentsNotObject, "A {0} tool call's arguments are not a JSON object; the text is kept as text.", end);
                    }

                    _value = JsonMember.Arguments;
                    _argumentsStart = _argumentsReported = _block.Length - 1;
                    if (_name is not null)
                    {
                        StartCall(end);
                    }
                }
                else if (_key == JsonMember.Id && _idStart < 0 && c == '"')
                {
                    _value = JsonMember.Id;
                    _idStart = _block.Length - 1;
                }

                break;
            }

            case JsonScanEvent.MemberValueEnd when _value == JsonMember.Name:
                _name = JsonMemberKeys.DecodeString(_block.Span[(_nameStart + 1)..^1]);
                if (_name.Length == 0)
                {
                    return FailBody(ParserDiagnosticCodes.CallMissingName, "A {0} tool call's name is empty; the text is kept as text.", end);
                }

                if (_argumentsStart >= 0 && StartCall(end) && _argumentsEnd >= 0)
                {
                    // The arguments came before the name.
                    CompleteCall(end, ToolCallCompletionReason.JsonClosed);
                }

                break;
            case JsonScanEvent.MemberValueEnd when _value == JsonMember.Arguments:
                _argumentsEnd = _block.Length;
                if (_isStarted && !_isSkipping)
                {
                    CompleteCall(end, ToolCallCompletionReason.JsonClosed);
                }

                break;
            case JsonScanEvent.MemberValueEnd when _value == JsonMember.Id:
                _id = JsonMemberKeys.DecodeString(_block.Span[(_idStart + 1)..^1]);
                break;
            case JsonScanEvent.ValueCompleted:
                if (_name is null)
                {
                    return FailBody(ParserDiagnosticCodes.CallMissingName, "A {0} tool call has no name; the text is kept as text.", end);
                }

                if (_argumentsStart < 0)
                {
                    if (step.RequireArguments)
                    {
                        return FailBody(ParserDiagnosticCodes.CallMissingJson, "A {0} tool call has no arguments; the text is kept as text.", end);
                    }

                    Diagnose(ParserDiagnosticCodes.CallMissingJson, $"The {_format} call to '{_name}' has no arguments; they are taken as {{}}.", end);
                    if (StartCall(end))
                    {
                        CompleteCall(end, ToolCallCompletionReason.JsonClosed);
                    }
                }

                ElementDone(end);
                return false;
            default:
                break;
        }

        return true;
    }

    // Handles a member event of a name-keyed object {"NAME": {arguments}}. Returns false when the block was given up.
    private bool OnNamedEvent(JsonScanEvent scanEvent, long end)
    {
        switch (scanEvent)
        {
            case JsonScanEvent.MemberKeyStart:
                _keyStart = _block.Length;
                break;
            case JsonScanEvent.MemberKeyEnd when _name is null:
                _name = JsonMemberKeys.DecodeString(_block.Span[_keyStart..^1]);
                if (_name.Length == 0)
                {
                    return FailBody(ParserDiagnosticCodes.CallMissingName, "A {0} tool call's name is empty; the text is kept as text.", end);
                }

                break;
            case JsonScanEvent.MemberValueStart when _argumentsStart < 0:
                if (_block.Span[^1] != '{')
                {
                    return FailBody(ParserDiagnosticCodes.ArgumentsNotObject, "A {0} tool call's arguments are not a JSON object; the text is kept as text.", end);
                }

                _argumentsStart = _argumentsReported = _block.Length - 1;
                StartCall(end);
                break;
            case JsonScanEvent.MemberValueEnd when _argumentsEnd < 0:
                _argumentsEnd = _block.Length;
                if (_isStarted && !_isSkipping)
                {
                    CompleteCall(end, ToolCallCompletionReason.JsonClosed);
                }

                break;
            case JsonScanEvent.ValueCompleted:
                return FailBody(ParserDiagnosticCodes.CallMissingName, "A {0} tool-call object names no tool; the text is kept as text.", end);
            default:
                break;
        }

        return true;
    }

    private void ElementDone(long end)
    {
        if (Step.Body is MarkedJsonBodyKind.EnvelopeArray or MarkedJsonBodyKind.NameKeyedArray)
        {
            Commit(end);
            ResetCall();
            _bodyState = BodyState.AfterElement;
            return;
        }

        BodyDone(end);
    }

    private void BodyDone(long end)
    {
        Commit(end);
        ResetCall();
        Goto(Step.Else);
    }

    // template: {0} is the format, {1} describes the unexpected character, if any.
    private bool FailBody(string code, string template, long offset, char unexpected = '\0')
    {
        Fail(code, template, offset, _block.Length, default, unexpected);
        return false;
    }

    private bool StartCall(long position)
    {
        if (_startedCalls >= Options.MaxCallsPerResponse)
        {
            Diagnose(ParserDiagnosticCodes.TooManyCalls, $"The response has more than {Options.MaxCallsPerResponse} tool calls; the extra call is dropped.", position);
            _isSkipping = true;
            _speculative = false;
            return false;
        }

        _callIndex = _startedCalls++;
        _isStarted = true;
        _speculative = false;
        _observer!.OnCallStarted(_callIndex, _id, _name!);
        ReportArguments();
        return true;
    }

    private void CompleteCall(long end, ToolCallCompletionReason reason)
    {
        ReportArguments();
        string json = _argumentsStart < 0 ? JsonArguments.Empty : new string(_block.Span[_argumentsStart.._argumentsEnd]);
        JsonElement? arguments = JsonArguments.Parse(json, Options.MaxDepth, out string? error, out string? code);
        if (code is not null)
        {
            Diagnose(code, error!, end);
        }

        _isCallDone = true;
        _blockHadCall = true;
        _bodyCalls++;
        _observer!.OnCallCompleted(new ParsedToolCall(_callIndex, _id, _name!, json, arguments, reason, end, error));
    }

    // Reports the arguments read since the last report.
    private void ReportArguments()
    {
        if (!_isStarted || _isCallDone || _isSkipping || _argumentsStart < 0 || _mode != Mode.Program || Step.Kind != MarkedJsonStepKind.Body)
        {
            return;
        }

        int stop = Math.Min(_argumentsEnd >= 0 ? _argumentsEnd : _block.Length, _argumentsStart + Options.MaxArgumentsLength);
        if (stop > _argumentsReported)
        {
            _observer!.OnArgumentsDelta(_callIndex, _block.Span[_argumentsReported..stop]);
            _argumentsReported = stop;
        }
    }

    private void AbortTooLong()
    {
        ReportArguments();
        AbortAndSkip(ParserDiagnosticCodes.ArgumentsTooLong, $"The arguments of a {_format} tool call are longer than {Options.MaxArgumentsLength} characters; the call is skipped.", _blockStart + _argumentsStart + Options.MaxArgumentsLength);
    }

    // Aborts the current call (if started) and skips the rest of its JSON value.
    private void AbortAndSkip(string code, string message, long offset)
    {
        if (_isStarted && !_isCallDone && !_isSkipping)
        {
            ReportArguments();
            _observer!.OnCallAborted(_callIndex, message);
        }

        Diagnose(code, message, offset);
        _isSkipping = true;
        _speculative = false;
        _blockHadCall = true;
    }

    private void EndInBody()
    {
        if (_isSkipping)
        {
            return;
        }

        if (_isStarted && !_isCallDone)
        {
            ReportArguments();
            if (_bodyState == BodyState.Arguments && _grammar.CompleteUnclosedArgumentsAtEnd)
            {
                _argumentsEnd = _block.Length;
                string json = new(_block.Span[_argumentsStart.._argumentsEnd]);
                const string Error = "The response ended before the arguments closed.";
                Diagnose(ParserDiagnosticCodes.ArgumentsUnclosed, $"The response ended inside the arguments of the {_format} call to '{_name}'; the call completes with its raw arguments.", Position);
                _isCallDone = true;
                _observer!.OnCallCompleted(new ParsedToolCall(_callIndex, _id, _name!, json, null, ToolCallCompletionReason.EndOfStream, Position, Error));
                return;
            }

            string message = $"The response ended inside the {_format} call to '{_name}'.";
            _observer!.OnCallAborted(_callIndex, message);
            Diagnose(ParserDiagnosticCodes.ArgumentsUnclosed, message, Position);
            return;
        }

        if (_isCallDone)
        {
            Diagnose(ParserDiagnosticCodes.CallUnterminated, $"The response ended before a {_format} tool call's JSON object closed; the call had already completed.", Position);
            return;
        }

        if (_bodyCalls > 0 && _bodyState is BodyState.ElementOrEnd or BodyState.AfterElement)
        {
            // An array of calls left open at the very end: the calls are out, nothing is lost.
            return;
        }

        SurfaceAtEnd(default);
    }

    private static string Describe(char c) => char.IsControl(c) ? $"control character U+{(int)c:X4}" : $"unexpected '{c}'";
}
