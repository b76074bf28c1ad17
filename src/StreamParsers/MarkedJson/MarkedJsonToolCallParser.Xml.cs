using System.Globalization;
using System.Text.Json;

namespace ToolFlow.StreamParsers;

/// <content>XML-like parameters inside a call (StepFun Step-3, MiniCPM 5) and raw single arguments, typed from the tool
/// schemas.</content>
internal sealed partial class MarkedJsonToolCallParser
{
    // XML-like parameters: the arguments JSON being built, the raw value being read, the current parameter.
    private PooledCharBuffer _xmlJson;
    private PooledCharBuffer _xmlValue;
    private string? _xmlParameter;
    private XmlState _xmlState;
    private int _xmlReported;

    private enum XmlState : byte
    {
        BetweenParameters,
        Name,
        Value,
        CData,
    }

    private void InitXml()
    {
        _xmlState = XmlState.BetweenParameters;
        _xmlJson.Clear();
        _xmlJson.Append("{");
        _xmlReported = 0;
        _matcher.Reset(Step.Xml!.BetweenSet);
        StartCall(_blockStart + _block.Length);
    }

    private static readonly MarkedLiteralSet s_cdataEnd = new(["]]>"]);

    private static readonly JsonSerializerOptions s_jsonOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private int ReadXml(MarkedJsonStep step, ReadOnlySpan<char> input, int i, long origin)
    {
        MarkedJsonXmlSyntax xml = step.Xml!;
        if (_block.Length - ArgumentsLength > Options.MaxArgumentsLength + WrapperBudget || _xmlValue.Length > Options.MaxArgumentsLength)
        {
            XmlFail(ParserDiagnosticCodes.ArgumentsTooLong, "The arguments of a {0} tool call are longer than " + Options.MaxArgumentsLength.ToString(CultureInfo.InvariantCulture) + " characters; the call is skipped.", origin + i);
            return i;
        }

        switch (_xmlState)
        {
            case XmlState.BetweenParameters:
            {
                if (_matcher.Length == 0)
                {
                    int skip = input[i..].IndexOfAnyExcept(" \t\r\n");
                    int j = skip < 0 ? input.Length : i + skip;
                    _block.Append(input[i..j]);
                    if (j == input.Length)
                    {
                        return j;
                    }

                    i = j;
                }

                while (i < input.Length)
                {
                    MarkedLiteralMatch match = _matcher.Feed(input[i]);
                    if (match == MarkedLiteralMatch.Pending)
                    {
                        i++;
                        continue;
                    }

                    if (match != MarkedLiteralMatch.Matched)
                    {
                        ReadOnlySpan<char> consumed = _matcher.Consumed;
                        _matcher.Reset();
                        XmlFail(ParserDiagnosticCodes.CallInvalidJson, "A {0} tool call holds something other than parameters; the text is kept as text.", origin + i, consumed);
                        return i;
                    }

                    int alternative = _matcher.Alternative;
                    _block.Append(_matcher.Consumed);
                    i++;
                    if (alternative == 1)
                    {
                        XmlComplete(origin + i);
                        return i;
                    }

                    _xmlState = XmlState.Name;
                    _stepStart = _block.Length;
                    _matcher.Reset(xml.NameEndSet);
                    return i;
                }

                return i;
            }

            case XmlState.Name:
            {
                int next = ScanFree(input, i, origin, FreeChannel.Capture, out int found, out _, out ReadOnlySpan<char> again, out long againAt);
                ReadOnlySpan<char> name = _block.Span[_stepStart..];
                int longest = WrapperBudget / 4;
                int bad = name[..Math.Min(name.Length, longest)].IndexOfAny("<>\"\n");
                if (bad >= 0 || name.Length > longest)
                {
                    // Fail at the first character a name cannot hold (or the first past the longest name), and read
                    // what follows it again as text: how far the scan got depends on the chunking, this does not.
                    // The name's end marker, when the scan matched it, and what the scan holds to read again are in
                    // neither the block nor the matcher: they are read again too, so no text is lost.
                    int at = _stepStart + (bad >= 0 ? bad : longest);
                    MarkedLiteralSet names = _matcher.Set;
                    string pending = found >= 0
                        ? string.Concat(names[found].AsSpan(0, names.ConsumedLength(found)), again)
                        : string.Concat(_matcher.Consumed, again);
                    _matcher.Reset();
                    XmlFail(ParserDiagnosticCodes.CallInvalidJson, "A {0} tool call has a malformed parameter name; the text is kept as text.", _blockStart + at, pending, at);
                    return next;
                }

                if (found >= 0)
                {
                    _xmlParameter = new string(_block.Span[_stepStart..].Trim());
                    _block.Append(xml.ParameterNameEnd);
                    _xmlValue.Clear();
                    _xmlState = XmlState.Value;
                    _matcher.Reset(xml.ValueSet);
                }

                if (!again.IsEmpty)
                {
                    Process(again, againAt);
                }

                return next;
            }

            default:
            {
                int next = ScanFree(input, i, origin, FreeChannel.XmlValue, out int found, out _, out ReadOnlySpan<char> again, out long againAt);
                if (found >= 0)
                {
                    if (_xmlState == XmlState.CData)
                    {
                        _block.Append("]]>");
                        _xmlState = XmlState.Value;
                        _matcher.Reset(xml.ValueSet);
                    }
                    else if (found == 1)
                    {
                        _block.Append("<![CDATA[");
                        _xmlState = XmlState.CData;
                        _matcher.Reset(s_cdataEnd);
                    }
                    else
                    {
                        _block.Append(xml.ParameterEnd);
                        XmlParameterDone();
                        _xmlState = XmlState.BetweenParameters;
                        _matcher.Reset(xml.BetweenSet);
                    }
                }

                if (!again.IsEmpty)
                {
                    Process(again, againAt);
                }

                return next;
            }
        }
    }

    // ---- A raw text argument: the rest of the message is the one argument's value ----

    private void InitRawArgument()
    {
        _xmlValue.Clear();
        _matcher.Reset(Step.Literals!);
        StartCall(_blockStart + _block.Length);
    }

    private int ReadRawArgument(MarkedJsonStep step, ReadOnlySpan<char> input, int i, long origin)
    {
        int next = ScanFree(input, i, origin, FreeChannel.XmlValue, out int found, out long start, out ReadOnlySpan<char> again, out long againAt);
        if (_xmlValue.Length > Options.MaxArgumentsLength)
        {
            XmlFail(ParserDiagnosticCodes.ArgumentsTooLong, "The argument of a {0} tool call is longer than " + Options.MaxArgumentsLength.ToString(CultureInfo.InvariantCulture) + " characters; the call is skipped.", origin + next);
            return next;
        }

        if (found >= 0)
        {
            // The call completes at the end of the next recipient's marker, the character that ends the code.
            CompleteRawArgument(step, start + step.Literals![found].Length, ToolCallCompletionReason.EndMarker);
            Goto(step.Targets[found]);
        }

        if (!again.IsEmpty)
        {
            Process(again, againAt);
        }

        return next;
    }

    private void CompleteRawArgument(MarkedJsonStep step, long end, ToolCallCompletionReason reason)
    {
        _xmlJson.Clear();
        _xmlJson.Append("{");
        _xmlJson.Append(JsonSerializer.Serialize(step.Parameter, s_jsonOptions));
        _xmlJson.Append(": ");
        _xmlJson.Append(JsonSerializer.Serialize(new string(_xmlValue.Span), s_jsonOptions));
        _xmlJson.Append("}");
        _xmlReported = 0;
        ReportXmlArguments(_xmlJson.Length);
        if (_isStarted && !_isSkipping)
        {
            string json = new(_xmlJson.Span);
            _isCallDone = true;
            _blockHadCall = true;
            _observer!.OnCallCompleted(new ParsedToolCall(_callIndex, _id, _name!, json, JsonElement.Parse(json), reason, end));
        }

        Commit(end);
        ResetCall();
    }

    private void AppendXmlValue(ReadOnlySpan<char> text)
    {
        _block.Append(text);
        _xmlValue.Append(text);
    }

    private void XmlParameterDone()
    {
        ReadOnlySpan<char> value = _xmlValue.Span;
        if (value.StartsWith('\n'))
        {
            value = value[1..];
        }

        if (value.EndsWith('\n'))
        {
            value = value[..^1];
        }

        if (_xmlJson.Length > 1)
        {
            _xmlJson.Append(", ");
        }

        _xmlJson.Append(JsonSerializer.Serialize(_xmlParameter, s_jsonOptions));
        _xmlJson.Append(": ");
        _xmlJson.Append(TypedValue(_name!, _xmlParameter!, value));
        ReportXmlArguments(_xmlJson.Length);
    }

    private void ReportXmlArguments(int stop)
    {
        if (_isStarted && !_isSkipping && stop > _xmlReported)
        {
            _observer!.OnArgumentsDelta(_callIndex, _xmlJson.Span[_xmlReported..stop]);
            _xmlReported = stop;
        }
    }

    private void XmlComplete(long end)
    {
        _xmlJson.Append("}");
        ReportXmlArguments(_xmlJson.Length);
        if (_isStarted && !_isSkipping)
        {
            string json = new(_xmlJson.Span);
            JsonElement? arguments = JsonArguments.Parse(json, Options.MaxDepth, out string? error, out string? code);
            if (code is not null)
            {
                Diagnose(code, error!, end);
            }

            _isCallDone = true;
            _blockHadCall = true;
            _observer!.OnCallCompleted(new ParsedToolCall(_callIndex, _id, _name!, json, arguments, ToolCallCompletionReason.EndMarker, end, error));
        }

        Commit(end);
        ResetCall();
        Goto(Step.Else);
    }

    private void XmlFail(string code, string template, long offset, ReadOnlySpan<char> pending = default, int refeedFrom = -1)
    {
        _matcher.Reset();
        Fail(code, template, offset, refeedFrom < 0 ? _block.Length : refeedFrom, pending);
    }

    private void EndInXml()
    {
        if (_isStarted && !_isCallDone && !_isSkipping)
        {
            string message = $"The response ended inside the {_format} call to '{_name}'.";
            _observer!.OnCallAborted(_callIndex, message);
            Diagnose(ParserDiagnosticCodes.CallUnterminated, message, Position);
        }
    }

    // Types an XML parameter's text from the tool's JSON Schema; without one, the text stays a string.
    private string TypedValue(string tool, string parameter, ReadOnlySpan<char> text)
    {
        string? type = null;
        if (Options.ToolSchemas is { } schemas && schemas.TryGetValue(tool, out JsonElement schema) &&
            schema.ValueKind == JsonValueKind.Object &&
            schema.TryGetProperty("properties", out JsonElement properties) && properties.ValueKind == JsonValueKind.Object &&
            properties.TryGetProperty(parameter, out JsonElement property) && property.ValueKind == JsonValueKind.Object &&
            property.TryGetProperty("type", out JsonElement typeElement) && typeElement.ValueKind == JsonValueKind.String)
        {
            type = typeElement.GetString();
        }

        ReadOnlySpan<char> trimmed = text.Trim();
        switch (type)
        {
            case "integer" when long.TryParse(trimmed, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long integer):
                return integer.ToString(CultureInfo.InvariantCulture);
            case "number" when double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out double number) && double.IsFinite(number):
                return IsJson(trimmed, JsonValueKind.Number) ? new string(trimmed) : number.ToString("R", CultureInfo.InvariantCulture);
            case "boolean" when trimmed.Equals("true", StringComparison.OrdinalIgnoreCase) || trimmed.Equals("false", StringComparison.OrdinalIgnoreCase):
                return trimmed.Equals("true", StringComparison.OrdinalIgnoreCase) ? "true" : "false";
            case "object" when IsJson(trimmed, JsonValueKind.Object):
            case "array" when IsJson(trimmed, JsonValueKind.Array):
                return new string(trimmed);
            case "null" when trimmed.SequenceEqual("null"):
                return "null";
            default:
                return JsonSerializer.Serialize(new string(text), s_jsonOptions);
        }
    }

    private bool IsJson(ReadOnlySpan<char> text, JsonValueKind kind)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(new string(text), new JsonDocumentOptions { MaxDepth = Options.MaxDepth });
            return document.RootElement.ValueKind == kind;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private void ReleaseBodyBuffers()
    {
        _xmlJson.Release();
        _xmlValue.Release();
    }
}
