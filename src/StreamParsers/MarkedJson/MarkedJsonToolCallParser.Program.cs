using System.Diagnostics;
using System.Globalization;

namespace ToolFlow.StreamParsers;

/// <content>The grammar program: moving between steps, running each kind of step (literals, choices, captures),
/// committing a block, and failing one back to text.</content>
internal sealed partial class MarkedJsonToolCallParser
{
    private void Goto(int target)
    {
        switch (target)
        {
            case MarkedJsonGrammar.End:
                _block.Clear();
                ResetCall();
                EnterText();
                break;
            case MarkedJsonGrammar.EndText:
                Emit(_block.Span, FreeChannel.Text);
                _block.Clear();
                ResetCall();
                EnterText();
                break;
            case MarkedJsonGrammar.Fail:
                Fail(ParserDiagnosticCodes.CallMissingJson, "The text is not a {0} tool call; it is kept as text.", _blockStart + _block.Length, _stepStart, default);
                break;
            default:
                _pc = target;
                _mode = Mode.Program;
                InitStep();
                break;
        }
    }

    private void InitStep()
    {
        MarkedJsonStep step = Step;
        _stepStart = _block.Length;
        switch (step.Kind)
        {
            case MarkedJsonStepKind.Choice:
            case MarkedJsonStepKind.Capture:
                _capturePhase = 0;
                _matcher.Reset(step.Literals!);
                break;
            case MarkedJsonStepKind.TextUntil:
                Commit(_blockStart + _block.Length);
                _matcher.Reset(step.Literals!);
                break;
            case MarkedJsonStepKind.Body:
                InitBody();
                break;
            case MarkedJsonStepKind.XmlParameters:
                InitXml();
                break;
            case MarkedJsonStepKind.RawArgument:
                InitRawArgument();
                break;
            case MarkedJsonStepKind.Dispatch:
                int choice = step.Dispatch!(_block.Span, out string? name);
                _name = name ?? _name;
                Goto(choice >= 0 && choice < step.Targets.Length ? step.Targets[choice] : MarkedJsonGrammar.Fail);
                break;
            case MarkedJsonStepKind.Commit:
                Commit(_blockStart + _block.Length);
                Goto(step.Else);
                break;
            case MarkedJsonStepKind.Jump:
                Goto(step.Else);
                break;
            case MarkedJsonStepKind.Note:
                Diagnose(step.Code!, step.Message!, _blockStart + _block.Length);
                Goto(step.Else);
                break;
            default:
                break;
        }
    }

    private void Commit(long position)
    {
        _block.Clear();
        _blockStart = position;
        _stepStart = 0;
        _blockStartsWithLookahead = false;
    }

    private int RunStep(ReadOnlySpan<char> input, int i, long origin)
    {
        MarkedJsonStep step = Step;
        switch (step.Kind)
        {
            case MarkedJsonStepKind.Whitespace:
            {
                ReadOnlySpan<char> window = input.Slice(i, Math.Min(input.Length - i, WrapperBudget + 1));
                int skip = window.IndexOfAnyExcept(" \t\r\n");
                int j = skip < 0 ? i + window.Length : i + skip;
                _block.Append(input[i..j]);
                if (_block.Length - ArgumentsLength > WrapperBudget)
                {
                    FailOverBudget(origin + j);
                    return j;
                }

                if (j < input.Length)
                {
                    Goto(step.Else);
                }

                return j;
            }

            case MarkedJsonStepKind.Choice:
                return RunChoice(step, input, i, origin);
            case MarkedJsonStepKind.Capture:
                return step.Chars == MarkedJsonCharClass.Identifier ? RunIdentifierCapture(step, input, i, origin) : RunFreeCapture(step, input, i, origin);
            case MarkedJsonStepKind.TextUntil:
            {
                int next = ScanFree(input, i, origin, step.IsReasoning ? FreeChannel.Reasoning : FreeChannel.Text, out int found, out _, out ReadOnlySpan<char> again, out long againAt);
                if (found >= 0)
                {
                    Goto(step.Targets[found]);
                }

                if (!again.IsEmpty)
                {
                    Process(again, againAt);
                }

                return next;
            }

            case MarkedJsonStepKind.Body:
                return ReadBody(step, input, i, origin);
            case MarkedJsonStepKind.XmlParameters:
                return ReadXml(step, input, i, origin);
            case MarkedJsonStepKind.RawArgument:
                return ReadRawArgument(step, input, i, origin);
            default:
                throw new UnreachableException();
        }
    }

    private int RunChoice(MarkedJsonStep step, ReadOnlySpan<char> input, int i, long origin)
    {
        while (i < input.Length)
        {
            MarkedLiteralMatch match = _matcher.Feed(input[i]);
            switch (match)
            {
                case MarkedLiteralMatch.Pending:
                    i++;
                    continue;
                case MarkedLiteralMatch.Matched:
                {
                    int alternative = _matcher.Alternative;
                    _block.Append(_matcher.Consumed);
                    _matcher.Reset();
                    Goto(step.Targets[alternative]);
                    return i + 1;
                }

                case MarkedLiteralMatch.Fallback:
                {
                    int alternative = _matcher.Alternative;
                    int owned = _matcher.Set.ConsumedLength(alternative);
                    ReadOnlySpan<char> consumed = _matcher.Consumed;
                    long at = _blockStart + _block.Length;
                    _block.Append(consumed[..owned]);
                    _matcher.Reset();
                    Goto(step.Targets[alternative]);
                    if (owned < consumed.Length)
                    {
                        Process(consumed[owned..], at + owned);
                    }

                    return i;
                }

                default:
                {
                    ReadOnlySpan<char> consumed = _matcher.Consumed;
                    long at = _blockStart + _block.Length;
                    _matcher.Reset();
                    if (step.Else == MarkedJsonGrammar.Fail)
                    {
                        FailInHeader(origin + i, consumed);
                        return i;
                    }

                    Goto(step.Else);
                    if (!consumed.IsEmpty)
                    {
                        Process(consumed, at);
                    }

                    return i;
                }
            }
        }

        return i;
    }

    // A capture of identifier characters, then optional whitespace and one of the terminators.
    private int RunIdentifierCapture(MarkedJsonStep step, ReadOnlySpan<char> input, int i, long origin)
    {
        while (i < input.Length)
        {
            if (_capturePhase == 0)
            {
                ReadOnlySpan<char> window = input.Slice(i, Math.Min(input.Length - i, WrapperBudget + 1));
                int stop = window.IndexOfAnyExcept(s_identifierChars);
                int j = stop < 0 ? i + window.Length : i + stop;
                _block.Append(input[i..j]);
                if (_block.Length - _stepStart > WrapperBudget / 4)
                {
                    FailInHeader(origin + j, default);
                    return j;
                }

                if (j == input.Length)
                {
                    return j;
                }

                char c = input[j];
                if (_block.Length == _stepStart || !(JsonBoundaryScanner.IsWhitespace(c) || step.Literals!.FirstChars.Contains(c)))
                {
                    FailInHeader(origin + j, default);
                    return j;
                }

                _capturePhase = 1;
                _captureEnd = _block.Length;
                i = j;
                continue;
            }

            char next = input[i];
            if (_matcher.Length == 0 && JsonBoundaryScanner.IsWhitespace(next) && !step.Literals!.FirstChars.Contains(next))
            {
                _block.Append(input.Slice(i, 1));
                i++;
                continue;
            }

            MarkedLiteralMatch match = _matcher.Feed(next);
            switch (match)
            {
                case MarkedLiteralMatch.Pending:
                    i++;
                    continue;
                case MarkedLiteralMatch.Matched:
                {
                    int alternative = _matcher.Alternative;
                    EndCapture(step, alternative, _matcher.Consumed, _matcher.Length);
                    return i + 1;
                }

                case MarkedLiteralMatch.Fallback:
                {
                    int alternative = _matcher.Alternative;
                    int owned = _matcher.Set.ConsumedLength(alternative);
                    ReadOnlySpan<char> consumed = _matcher.Consumed;
                    long at = _blockStart + _block.Length;
                    if (!EndCapture(step, alternative, consumed, owned))
                    {
                        return i;
                    }

                    if (owned < consumed.Length)
                    {
                        Process(consumed[owned..], at + owned);
                    }

                    return i;
                }

                default:
                {
                    ReadOnlySpan<char> consumed = _matcher.Consumed;
                    _matcher.Reset();
                    FailInHeader(origin + i, consumed);
                    return i;
                }
            }
        }

        return i;
    }

    // A capture of any characters (but line breaks for MarkedJsonCharClass.Line) up to one of the terminators.
    private int RunFreeCapture(MarkedJsonStep step, ReadOnlySpan<char> input, int i, long origin)
    {
        int limit = input.Length;
        if (step.Chars == MarkedJsonCharClass.Line)
        {
            // Look no further than the capture may reach, or long inputs are searched again for every block.
            int lineBreak = input.Slice(i, Math.Min(input.Length - i, WrapperBudget + 1)).IndexOfAny('\r', '\n');
            if (lineBreak == 0)
            {
                ReadOnlySpan<char> pending = _matcher.Consumed;
                FailInHeader(origin + i, pending);
                return i;
            }

            if (lineBreak > 0)
            {
                limit = i + lineBreak;
            }
        }

        int next = ScanFree(input[..limit], i, origin, FreeChannel.Capture, out int found, out _, out ReadOnlySpan<char> again, out long againAt);
        if (found >= 0)
        {
            int owned = step.Literals!.ConsumedLength(found);
            _captureEnd = _block.Length;
            if (!EndCapture(step, found, step.Literals[found].AsSpan(0, owned), owned))
            {
                return next;
            }
        }
        else if (_block.Length - _stepStart > WrapperBudget)
        {
            ReadOnlySpan<char> pending = _matcher.Consumed;
            FailInHeader(origin + next, pending);
            return next;
        }

        if (!again.IsEmpty)
        {
            Process(again, againAt);
        }

        return next;
    }

    private bool EndCapture(MarkedJsonStep step, int alternative, ReadOnlySpan<char> terminator, int owned)
    {
        ReadOnlySpan<char> captured = _block.Span[_stepStart.._captureEnd].Trim(" \t\r\n");
        _block.Append(terminator[..owned]);
        _matcher.Reset();
        if (step.Capture != MarkedJsonCaptureKind.None && captured.IsEmpty)
        {
            FailInHeader(_blockStart + _block.Length, default);
            return false;
        }

        switch (step.Capture)
        {
            case MarkedJsonCaptureKind.Name:
                _name = new string(captured);
                break;
            case MarkedJsonCaptureKind.Id:
                _id = new string(captured);
                break;
            case MarkedJsonCaptureKind.QualifiedId:
            {
                _id = new string(captured);
                ReadOnlySpan<char> name = captured;
                if (name.StartsWith("functions."))
                {
                    name = name["functions.".Length..];
                }

                int colon = name.LastIndexOf(':');
                if (colon > 0 && name[(colon + 1)..].IndexOfAnyExceptInRange('0', '9') < 0)
                {
                    name = name[..colon];
                }

                if (name.IsEmpty)
                {
                    FailInHeader(_blockStart + _block.Length, default);
                    return false;
                }

                _name = new string(name);
                break;
            }

            case MarkedJsonCaptureKind.Parameter:
                _xmlParameter = new string(captured);
                break;
            default:
                // A header up to its terminator (Harmony's "<|message|>") shows the block is the format's own.
                _speculative = false;
                break;
        }

        Goto(step.Targets[alternative]);
        return true;
    }

    // A step before the call's body met text that does not follow the format.
    private void FailInHeader(long offset, ReadOnlySpan<char> pending)
    {
        if (_blockHadCall)
        {
            Fail(ParserDiagnosticCodes.CallEndMarkerMissing, "A {0} tool call is not followed by the format's end marker; what follows is kept as text.", offset, _stepStart, pending);
        }
        else
        {
            Fail(ParserDiagnosticCodes.CallMissingJson, "The text after a {0} tool-call marker does not follow the format; it is kept as text.", offset, _stepStart, pending);
        }
    }

    private void FailOverBudget(long offset)
    {
        if (_isStarted && !_isCallDone)
        {
            AbortAndSkip(ParserDiagnosticCodes.ArgumentsTooLong, $"A {_format} tool call holds more than {WrapperBudget} characters besides its arguments; the call is skipped.", offset);
            return;
        }

        Fail(ParserDiagnosticCodes.CallMissingJson, "A {0} tool-call block holds more than " + WrapperBudget.ToString(CultureInfo.InvariantCulture) + " characters besides arguments; it is kept as text.", offset, _block.Length, default);
    }

    // Gives up on the block: aborts a started call, reports a diagnostic (not for speculative blocks, which are just
    // text), surfaces the block before refeedFrom as text, and reads the rest of it (and pending) again as text. The
    // message is built only when reported: {0} in the template is the format, {1} describes the unexpected character.
    private void Fail(string code, string template, long offset, int refeedFrom, ReadOnlySpan<char> pending, char unexpected = '\0')
    {
        bool started = _isStarted && !_isCallDone && !_isSkipping;
        if (started || !_speculative || _blockHadCall)
        {
            string message = string.Format(CultureInfo.InvariantCulture, template, _format, unexpected == '\0' ? string.Empty : Describe(unexpected));
            if (started)
            {
                ReportArguments();
                _observer!.OnCallAborted(_callIndex, message);
            }

            Diagnose(code, message, offset);
        }

        if (refeedFrom == 0 && _blockStartsWithLookahead && _block.Length > 0)
        {
            // The block's first character started it: surface it, or the same block starts again.
            refeedFrom = 1;
        }

        refeedFrom = Math.Min(refeedFrom, _block.Length);
        Emit(_block.Span[..refeedFrom], FreeChannel.Text);
        string? again = refeedFrom < _block.Length || !pending.IsEmpty ? string.Concat(_block.Span[refeedFrom..], pending) : null;
        long againAt = _blockStart + refeedFrom;
        _block.Clear();
        ResetCall();
        EnterText();
        if (again is not null)
        {
            Process(again, againAt);
        }
    }

    // The response ended inside a block.
    private void EndInProgram()
    {
        MarkedJsonStep step = Step;
        switch (step.Kind)
        {
            case MarkedJsonStepKind.TextUntil:
                Emit(_matcher.Consumed, step.IsReasoning ? FreeChannel.Reasoning : FreeChannel.Text);
                return;
            case MarkedJsonStepKind.Body:
                EndInBody();
                return;
            case MarkedJsonStepKind.XmlParameters:
                EndInXml();
                return;
            case MarkedJsonStepKind.RawArgument:
                AppendXmlValue(_matcher.Consumed);
                CompleteRawArgument(step, Position, ToolCallCompletionReason.EndOfStream);
                return;
            default:
                break;
        }

        ReadOnlySpan<char> pending = _matcher.Consumed;
        bool trailer = step.Kind is MarkedJsonStepKind.Whitespace or MarkedJsonStepKind.Choice
            && _block.Span[.._stepStart].IndexOfAnyExcept(" \t\r\n") < 0;
        if (trailer)
        {
            // Whitespace and a partial end marker after a call: nothing to surface.
            return;
        }

        SurfaceAtEnd(pending);
    }

    private void SurfaceAtEnd(ReadOnlySpan<char> pending)
    {
        if (!_speculative || _blockHadCall)
        {
            Diagnose(ParserDiagnosticCodes.CallUnterminated, $"The response ended inside a {_format} tool-call block; it is kept as text.", Position);
        }

        Emit(_block.Span, FreeChannel.Text);
        Emit(pending, FreeChannel.Text);
        _block.Clear();
    }
}
