using System.Text.Json;

namespace ToolFlow.StreamParsers.Tests;

public sealed class JsonBoundaryScannerTests
{
    // Each value is followed by trailing text; the scanner must stop exactly at the value's end.
    [Theory]
    [InlineData("{}", "")]
    [InlineData("""{"a": [1, 2.5, -3e-2, true, false, null, "x"]}""", " tail")]
    [InlineData("""  {"s": "} ] { [ \" \\ \/ \b \f \n \r \t \u00e9 杭州 🎉"} """, "x")]
    [InlineData("[[], {}, [{}], {\"a\": []}]", "]")]
    [InlineData("\"a string with } and ]\"", "}")]
    [InlineData("true", "x")]
    [InlineData("null", ",")]
    [InlineData("-0.5E+10", " ")]
    [InlineData("0", "}")]
    public void Scan_EverySplit_StopsExactlyAtValueEnd(string value, string trailing)
    {
        string input = value + trailing;
        int expectedEnd = value.TrimEnd().Length;
        bool isNumber = value.Trim()[0] is '-' or (>= '0' and <= '9');

        for (int split = 0; split <= input.Length; split++)
        {
            var scanner = new JsonBoundaryScanner(64, reportMembers: false);
            int end = ScanToEnd(ref scanner, input, split);

            Assert.Equal(expectedEnd, end);
            Assert.True(scanner.IsComplete);
            Assert.Equal(JsonScanError.None, scanner.Error);
            Assert.Equal(isNumber, scanner.EndedAtDelimiter);
        }
    }

    [Theory]
    [InlineData("12")]
    [InlineData("-1.5e3")]
    [InlineData("0")]
    public void TryCompleteAtEnd_NumberAtEndOfInput_Completes(string value)
    {
        var scanner = new JsonBoundaryScanner(64, reportMembers: false);

        Assert.Equal(value.Length, scanner.Scan(value, out JsonScanEvent scanEvent));
        Assert.Equal(JsonScanEvent.None, scanEvent);
        Assert.False(scanner.IsComplete);

        Assert.True(scanner.TryCompleteAtEnd());
        Assert.True(scanner.IsComplete);
    }

    [Theory]
    [InlineData("-")]
    [InlineData("1.")]
    [InlineData("1e+")]
    [InlineData("{\"a\": 1")]
    [InlineData("\"open")]
    public void TryCompleteAtEnd_UnfinishedValue_NotComplete(string value)
    {
        var scanner = new JsonBoundaryScanner(64, reportMembers: false);
        scanner.Scan(value, out _);

        Assert.False(scanner.TryCompleteAtEnd());
    }

    [Theory]
    [InlineData("{\"a\" 1}", 5)]
    [InlineData("{\"a\": tru}", 9)]
    [InlineData("{\"a\": 01}", 7)]
    [InlineData("{\"a\": 1.}", 8)]
    [InlineData("{\"a\": \"\\x\"}", 8)]
    [InlineData("{\"a\": \"\\u12g4\"}", 11)]
    [InlineData("{\"a\": \"line\nbreak\"}", 11)]
    [InlineData("{\"a\": [1}", 8)]
    [InlineData("{\"a\": 1,}", 8)]
    [InlineData("{a: 1}", 1)]
    [InlineData("<tool_call>", 0)]
    [InlineData("{\"a\": 1</tool_call>", 7)]
    public void Scan_InvalidJson_ErrorAtOffendingCharacter(string input, int offending)
    {
        for (int split = 0; split <= offending; split++)
        {
            var scanner = new JsonBoundaryScanner(64, reportMembers: false);
            int position = 0;
            JsonScanEvent scanEvent = JsonScanEvent.None;
            foreach (string chunk in new[] { input[..split], input[split..] })
            {
                int i = 0;
                while (i < chunk.Length)
                {
                    i += scanner.Scan(chunk.AsSpan(i), out scanEvent);
                    if (scanEvent == JsonScanEvent.Error)
                    {
                        position += i;
                        goto Found;
                    }
                }

                position += chunk.Length;
            }

            Found:
            Assert.Equal(JsonScanEvent.Error, scanEvent);
            Assert.Equal(JsonScanError.Syntax, scanner.Error);
            Assert.Equal(offending, position);
        }

        AssertRejectedBySystemTextJson(input);
    }

    [Fact]
    public void Scan_TooDeep_ErrorAtOpeningBracket()
    {
        var scanner = new JsonBoundaryScanner(2, reportMembers: false);

        int consumed = scanner.Scan("{\"a\": [[1]]}", out JsonScanEvent scanEvent);

        Assert.Equal(JsonScanEvent.Error, scanEvent);
        Assert.Equal(JsonScanError.TooDeep, scanner.Error);
        Assert.Equal(7, consumed);
    }

    [Fact]
    public void Scan_AfterError_LaxModeStillFindsTheEnd()
    {
        const string input = """{"a": x, "b": "}\"]", "c": [{}]} after""";
        var scanner = new JsonBoundaryScanner(64, reportMembers: false);

        int consumed = scanner.Scan(input, out JsonScanEvent scanEvent);
        Assert.Equal(JsonScanEvent.Error, scanEvent);

        consumed += scanner.Scan(input.AsSpan(consumed), out scanEvent);

        Assert.Equal(JsonScanEvent.ValueCompleted, scanEvent);
        Assert.Equal(input.IndexOf(" after", StringComparison.Ordinal), consumed);
        Assert.Equal(JsonScanError.Syntax, scanner.Error);
    }

    [Fact]
    public void Scan_ReportMembers_StopsAtDepthOneKeysAndValues()
    {
        const string input = """{"name": "f", "arguments": {"a": {"b": 1}}, "n": 12, "t": true}""";
        var scanner = new JsonBoundaryScanner(64, reportMembers: true);
        var events = new List<(JsonScanEvent Event, int Position)>();

        int position = 0;
        foreach (char c in input)
        {
            int i = 0;
            string chunk = c.ToString();
            while (i < chunk.Length)
            {
                i += scanner.Scan(chunk.AsSpan(i), out JsonScanEvent scanEvent);
                if (scanEvent != JsonScanEvent.None)
                {
                    events.Add((scanEvent, position + i));
                }
            }

            position++;
        }

        var expected = new List<(JsonScanEvent, int)>();
        foreach (string key in new[] { "name", "arguments", "n", "t" })
        {
            int keyStart = input.IndexOf("\"" + key + "\"", StringComparison.Ordinal);
            expected.Add((JsonScanEvent.MemberKeyStart, keyStart + 1));
            expected.Add((JsonScanEvent.MemberKeyEnd, keyStart + key.Length + 2));
        }

        int nameValue = input.IndexOf("\"f\"", StringComparison.Ordinal);
        int argumentsValue = input.IndexOf("{\"a\"", StringComparison.Ordinal);
        int numberValue = input.IndexOf("12", StringComparison.Ordinal);
        int trueValue = input.IndexOf("true", StringComparison.Ordinal);
        expected.Insert(2, (JsonScanEvent.MemberValueStart, nameValue + 1));
        expected.Insert(3, (JsonScanEvent.MemberValueEnd, nameValue + 3));
        expected.Insert(6, (JsonScanEvent.MemberValueStart, argumentsValue + 1));
        expected.Insert(7, (JsonScanEvent.MemberValueEnd, input.IndexOf("}}", StringComparison.Ordinal) + 2));
        expected.Insert(10, (JsonScanEvent.MemberValueStart, numberValue + 1));
        expected.Insert(11, (JsonScanEvent.MemberValueEnd, numberValue + 2));
        expected.Add((JsonScanEvent.MemberValueStart, trueValue + 1));
        expected.Add((JsonScanEvent.MemberValueEnd, trueValue + 4));
        expected.Add((JsonScanEvent.ValueCompleted, input.Length));

        Assert.Equal(expected, events);
    }

    // TryReadCharacter reads a lone character without Scan's loop when that reports nothing; it must agree with the loop.
    [Theory]
    [InlineData("""{"name": "f", "arguments": {"a": [1, -2.5e+3, 0, 0.5E2, true, false, null, "x\"\\\/\u00e9", {}, [], [[{"b": {}}]]]}, "n": 12, "t": true}""", true)]
    [InlineData("""{"name": "f", "arguments": {"a": [1, -2.5e+3, 0, 0.5E2, true, false, null, "x\"\\\/\u00e9", {}, [], [[{"b": {}}]]]}, "n": 12, "t": true}""", false)]
    [InlineData("""[{"a": 1}, [2, {"b": [3]}], "s", true] tail""", true)]
    [InlineData("""{"a": [1}""", true)]
    [InlineData("""{"a": {"b": 01}}""", true)]
    [InlineData("""{"a": {"b": tru}}""", false)]
    [InlineData("""{"a": {"b": "\x"}}""", true)]
    [InlineData("""{"a": {"b": 1,}}""", true)]
    [InlineData("""{"a": [[[[1]]]]}""", true)]
    [InlineData("""{"a": x, "b": "}\"]", "c": [{}]} after""", true)]
    public void Scan_OneCharacterAtATime_SameEventsAsWhole(string input, bool reportMembers)
    {
        Assert.Equal(ScanEvents(input, reportMembers, wholeChunks: true), ScanEvents(input, reportMembers, wholeChunks: false));
    }

    [Fact]
    public void Scan_LongStringOneCharacterAtATime_LinearWork()
    {
        string input = "{\"s\": \"" + new string('x', 200_000) + "\"}";
        var scanner = new JsonBoundaryScanner(64, reportMembers: false);
        long scanned = 0;
        JsonScanEvent last = JsonScanEvent.None;

        for (int k = 0; k < input.Length; k++)
        {
            scanned += scanner.Scan(input.AsSpan(k, 1), out last);
        }

        Assert.Equal(JsonScanEvent.ValueCompleted, last);
        Assert.Equal(input.Length, scanned);
    }

    // The events, their positions and the scanner's state after each, scanning the input whole or a character at a time.
    private static List<string> ScanEvents(string input, bool reportMembers, bool wholeChunks)
    {
        var scanner = new JsonBoundaryScanner(4, reportMembers);
        var events = new List<string>();
        int position = 0;
        foreach (string chunk in wholeChunks ? [input] : input.Select(c => c.ToString()))
        {
            int i = 0;
            if (!wholeChunks && scanner.TryReadCharacter(chunk[0]))
            {
                // As a parser's path for a lone character reads it.
                i = 1;
            }

            while (i < chunk.Length && !scanner.IsComplete)
            {
                i += scanner.Scan(chunk.AsSpan(i), out JsonScanEvent scanEvent);
                if (scanEvent != JsonScanEvent.None)
                {
                    events.Add($"{scanEvent} at {position + i}, depth {scanner.Depth}, error {scanner.Error}, delimiter {scanner.EndedAtDelimiter}");
                }
            }

            position += i;
            if (scanner.IsComplete)
            {
                break;
            }
        }

        events.Add($"end at {position}, complete {scanner.IsComplete}, depth {scanner.Depth}, error {scanner.Error}");
        return events;
    }

    private static int ScanToEnd(ref JsonBoundaryScanner scanner, string input, int split)
    {
        int offset = 0;
        foreach (string chunk in new[] { input[..split], input[split..] })
        {
            int i = 0;
            while (i < chunk.Length)
            {
                i += scanner.Scan(chunk.AsSpan(i), out JsonScanEvent scanEvent);
                Assert.NotEqual(JsonScanEvent.Error, scanEvent);
                if (scanEvent == JsonScanEvent.ValueCompleted)
                {
                    return offset + i;
                }
            }

            offset += chunk.Length;
        }

        return scanner.TryCompleteAtEnd() ? input.Length : -1;
    }

    private static void AssertRejectedBySystemTextJson(string input)
    {
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(input));
    }
}
