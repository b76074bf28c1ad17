using System.Text.Json;

namespace ToolFlow.StreamParsers;

/// <content>Writing the call for a derived reader: its name, its arguments JSON member by member (values typed from the
/// tool schema), its parameters as they stream, and its completion or abort, each within the limits.</content>
internal abstract partial class XmlParameterCallReader
{
    /// <summary>Starts a call, unless the response already holds the most calls allowed (then a diagnostic).</summary>
    /// <param name="name">The tool name.</param>
    /// <param name="offset">Where the name ended.</param>
    /// <returns>Whether the call started; when not, the grammar skips it.</returns>
    protected bool TryStartCall(string name, long offset)
    {
        if (_calls >= Options.MaxCallsPerResponse)
        {
            Diagnose(ParserDiagnosticCodes.TooManyCalls, $"The response has more than {Options.MaxCallsPerResponse} tool calls; the extra call is dropped.", offset);
            _raw.Clear();
            return false;
        }

        _callIndex = _calls++;
        _callName = name;
        _members = 0;
        _json.Clear();
        _jsonReported = 0;
        IsCallActive = true;
        Observer.OnCallStarted(_callIndex, null, name);
        return true;
    }

    /// <summary>Writes the start of an arguments member (<c>{"key":</c> or <c>,"key":</c>).</summary>
    /// <param name="key">The parameter name.</param>
    /// <param name="offset">Where, for a limit diagnostic.</param>
    /// <returns>Whether the call is still active (not aborted by the length limit).</returns>
    protected bool WriteMemberKey(ReadOnlySpan<char> key, long offset)
    {
        _json.Append(_members++ == 0 ? "{" : ",");
        SchemaValueConverter.AppendString(ref _json, key);
        _json.Append(":");
        return Report(offset, default, escaped: false, _json.Length);
    }

    /// <summary>Writes JSON text as it is.</summary>
    /// <param name="json">The JSON text.</param>
    /// <param name="offset">The input position of its first character (for a limit diagnostic, the position of the character that passes the limit).</param>
    /// <returns>Whether the call is still active.</returns>
    protected bool WriteJson(ReadOnlySpan<char> json, long offset)
    {
        int before = _json.Length;
        _json.Append(json);
        return Report(offset, json, escaped: false, before);
    }

    /// <summary>Writes text escaped for the inside of a JSON string.</summary>
    /// <param name="text">The text.</param>
    /// <param name="offset">The input position of its first character (for a limit diagnostic, the position of the character that passes the limit).</param>
    /// <returns>Whether the call is still active.</returns>
    protected bool WriteEscaped(ReadOnlySpan<char> text, long offset)
    {
        int before = _json.Length;
        SchemaValueConverter.AppendEscaped(ref _json, text);
        return Report(offset, text, escaped: true, before);
    }

    /// <summary>Writes a parameter value typed by its schema.</summary>
    /// <param name="value">The value text.</param>
    /// <param name="types">The types the parameter's schema allows.</param>
    /// <param name="offset">Where the value ended.</param>
    /// <returns>Whether the call is still active (the value may be too long or too deep).</returns>
    protected bool WriteValue(ReadOnlySpan<char> value, SchemaValueConverter.SchemaTypes types, long offset)
    {
        // The arguments object is one level already.
        if (!SchemaValueConverter.TryAppendValue(ref _json, value, types, Math.Max(1, Options.MaxDepth - 1)))
        {
            AbortCall(ParserDiagnosticCodes.ArgumentsTooDeep, $"The arguments of the call to '{_callName}' nest deeper than {Options.MaxDepth} levels; the call is skipped.", offset);
            return false;
        }

        return Report(offset, default, escaped: false, _json.Length);
    }

    /// <summary>
    /// Begins a parameter value. A value whose schema makes it a string (and not also <c>null</c>) streams as a
    /// JSON string while it arrives; any other is buffered and typed when it ends.
    /// </summary>
    /// <param name="name">The parameter name.</param>
    /// <param name="types">The types its schema allows.</param>
    /// <param name="stripNewlines">Whether one newline just inside the value's tags is layout.</param>
    /// <param name="offset">Where the value begins.</param>
    /// <returns>Whether the call is still active.</returns>
    protected bool BeginParameter(string name, SchemaValueConverter.SchemaTypes types, bool stripNewlines, long offset)
    {
        _parameter = name;
        _parameterTypes = types;
        _stripNewlines = stripNewlines;
        _streaming = (types & SchemaValueConverter.SchemaTypes.String) != 0 && (types & SchemaValueConverter.SchemaTypes.Null) == 0;
        _parameterValue.Clear();
        _atValueStart = true;
        _heldNewline = false;
        return !_streaming || (WriteMemberKey(name, offset) && WriteJson("\"", offset));
    }

    /// <summary>Reads more of the parameter value begun by <see cref="BeginParameter"/>.</summary>
    /// <param name="content">The value text.</param>
    /// <param name="offset">The input position of its first character.</param>
    /// <returns>Whether the call is still active.</returns>
    protected bool AppendParameter(ReadOnlySpan<char> content, long offset)
    {
        if (_atValueStart && !content.IsEmpty)
        {
            _atValueStart = false;
            if (_stripNewlines && content[0] == '\n')
            {
                content = content[1..];
                offset++;
            }
        }

        if (!_streaming)
        {
            int before = _parameterValue.Length;
            _parameterValue.Append(content);
            return CheckValueLength(before, content.Length, offset);
        }

        if (content.IsEmpty)
        {
            return true;
        }

        if (_heldNewline)
        {
            _heldNewline = false;
            // The held newline is the character just before this content.
            if (!WriteEscaped("\n", offset - 1))
            {
                return false;
            }
        }

        if (_stripNewlines && content[^1] == '\n')
        {
            // Perhaps the layout newline before the closing tag: write it when more value comes.
            content = content[..^1];
            _heldNewline = true;
        }

        return WriteEscaped(content, offset);
    }

    /// <summary>Ends the parameter value: closes the streamed string, or writes the buffered value typed.</summary>
    /// <param name="end">The input position just past the value's end.</param>
    /// <returns>Whether the call is still active.</returns>
    protected bool EndParameter(long end)
    {
        if (_streaming)
        {
            return WriteJson("\"", end);
        }

        ReadOnlySpan<char> value = _parameterValue.Span;
        if (_stripNewlines && value.EndsWith('\n'))
        {
            value = value[..^1];
        }

        return WriteMemberKey(_parameter!, end) && WriteParameterValue(value, _parameterTypes, end);
    }

    /// <summary>Writes a buffered parameter value; by default typed by <see cref="SchemaValueConverter"/>.</summary>
    /// <param name="value">The value text.</param>
    /// <param name="types">The types its schema allows.</param>
    /// <param name="end">The input position just past the value's end.</param>
    /// <returns>Whether the call is still active.</returns>
    protected virtual bool WriteParameterValue(ReadOnlySpan<char> value, SchemaValueConverter.SchemaTypes types, long end) =>
        WriteValue(value, types, end);

    /// <summary>Checks that a value being buffered is not longer than the arguments may be; aborts the call if it is.</summary>
    /// <param name="before">The value's length before the content just read.</param>
    /// <param name="length">The length of the content just read.</param>
    /// <param name="offset">The input position of that content.</param>
    /// <returns>Whether the call is still active.</returns>
    private bool CheckValueLength(int before, int length, long offset)
    {
        int room = Options.MaxArgumentsLength - _json.Length - before;
        if (length <= room)
        {
            return true;
        }

        // The character that passes the limit, wherever the input was split.
        offset += Math.Max(0, room);
        AbortCall(ParserDiagnosticCodes.ArgumentsTooLong, $"The arguments of the call to '{_callName}' are longer than {Options.MaxArgumentsLength} characters; the call is skipped.", offset);
        return false;
    }

    /// <summary>Completes the call.</summary>
    /// <param name="offset">The input position just past the character that completed it.</param>
    /// <param name="reason">What completed it.</param>
    /// <param name="closeObject">Whether to close the object of members (<see langword="false"/> when the grammar wrote the whole JSON value).</param>
    protected void CompleteCall(long offset, ToolCallCompletionReason reason, bool closeObject = true)
    {
        if (closeObject)
        {
            _json.Append(_members == 0 ? "{}" : "}");
        }

        // Closing characters are never refused: the limit applies to what the model wrote.
        ReportAll();
        string json = new(_json.Span);
        JsonElement? arguments = JsonArguments.Parse(json, Options.MaxDepth, out string? error, out string? code);
        if (code is not null)
        {
            Diagnose(code, error!, offset);
        }

        IsCallActive = false;
        _raw.Clear();
        _json.Clear();
        _jsonReported = 0;
        Observer.OnCallCompleted(new ParsedToolCall(_callIndex, null, _callName!, json, arguments, reason, offset, error));
    }

    /// <summary>Aborts the active call with a diagnostic; the grammar then skips the rest of it.</summary>
    /// <param name="code">The diagnostic code.</param>
    /// <param name="message">The message.</param>
    /// <param name="offset">Where.</param>
    protected void AbortCall(string code, string message, long offset)
    {
        if (IsCallActive)
        {
            IsCallActive = false;
            Observer.OnCallAborted(_callIndex, message);
        }

        Diagnose(code, message, offset);
        _raw.Clear();
        _json.Clear();
        _jsonReported = 0;
    }
}
