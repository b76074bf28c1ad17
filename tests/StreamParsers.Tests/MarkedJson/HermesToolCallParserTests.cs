using System.Text.Json;

namespace ToolFlow.StreamParsers.Tests;

public sealed class HermesToolCallParserTests
{
    private static readonly Func<ToolCallTextParser> s_create = () => new HermesToolCallParser();

    // Input, the text expected around the calls, and the names of the calls expected to complete.
    public static TheoryData<string, string, string> SplitCases { get; } = new()
    {
        // Text before and after one call.
        { """Hello <tool_call>{"name": "get_weather", "arguments": {"city": "Paris"}}</tool_call> bye""", "Hello  bye", "get_weather" },

        // Several calls, whitespace and newlines around the JSON, text between.
        { "A<tool_call>\n{\"name\": \"a\", \"arguments\": {\"x\": 1}}\n</tool_call>\nB<tool_call>{\"name\":\"b\",\"arguments\":{}}</tool_call>C", "A\nBC", "a,b" },

        // Nested objects and arrays, every scalar kind.
        { """<tool_call>{"name":"n","arguments":{"a":{"b":[1,2,{"c":[[]]}]},"d":[{"e":null,"f":true,"g":false,"h":-1.5e+3,"i":0}]}}</tool_call>""", "", "n" },

        // Strings holding braces, brackets, quotes, escapes, both markers and non-ASCII text.
        { """<tool_call>{"name":"echo","arguments":{"s":"} ] { [ \" \\ </tool_call> <tool_call> 杭州 🎉 \u00e9\n"}}</tool_call>tail""", "tail", "echo" },

        // "parameters" instead of "arguments", extra members, the name after the arguments.
        { """<tool_call>{"id": 7, "parameters": {"q": "cats"}, "name": "search", "extra": [1, {"x": "}"}]}</tool_call>""", "", "search" },

        // No arguments at all, and empty arguments.
        { """x<tool_call>{"name": "now"}</tool_call>y<tool_call>{"name": "now", "arguments": {}}</tool_call>""", "xy", "now,now" },

        // Text with '<' that is not a marker, and near misses.
        { "a < b <tool <tool_ca x</tool_call> <tool_call <<tool_call>{\"name\":\"f\",\"arguments\":{}}</tool_call><", "a < b <tool <tool_ca x</tool_call> <tool_call <<", "f" },

        // An escaped name and key.
        { """<tool_call>{"name": "get\u005fweather", "argu\u006dents": {"k": "v"}}</tool_call>""", "", "get_weather" },

        // Malformed: no JSON object after the marker; end marker before the JSON closes; invalid JSON.
        {
            """<tool_call>oops</tool_call> then <tool_call>{"name": "f", "arguments": {"a": 1</tool_call> after""",
            """<tool_call>oops</tool_call> then <tool_call>{"name": "f", "arguments": {"a": 1</tool_call> after""",
            ""
        },
        { """<tool_call>{"name": "f", "arguments": {"a": tru}}</tool_call> ok""", """<tool_call>{"name": "f", "arguments": {"a": tru}}</tool_call> ok""", "" },

        // Malformed: no name, a name that is not a string, an empty name.
        {
            """<tool_call>{"arguments": {}}</tool_call> <tool_call>{"name": 3}</tool_call> <tool_call>{"name": ""}</tool_call>""",
            """<tool_call>{"arguments": {}}</tool_call> <tool_call>{"name": 3}</tool_call> <tool_call>{"name": ""}</tool_call>""",
            ""
        },

        // The end marker is missing: followed by text, by another call, or by nothing.
        { "<tool_call>{\"name\": \"f\", \"arguments\": {}}\n\nDone.", "\n\nDone.", "f" },
        { """<tool_call>{"name": "a", "arguments": {}}<tool_call>{"name": "b", "arguments": {}}</tool_call>""", "", "a,b" },
        { """<tool_call>{"name": "f", "arguments": {"a": 1}}""", "", "f" },

        // The call's object is missing its closing brace but the call is already complete.
        { """<tool_call>{"name": "f", "arguments": {"a": 1}</tool_call>ok""", "ok", "f" },

        // Arguments that are JSON but not an object: kept as text, as the hermes grammar does.
        {
            """<tool_call>{"name": "f", "arguments": [1, 2]}</tool_call><tool_call>{"name": "g", "arguments": 5}</tool_call>""",
            """<tool_call>{"name": "f", "arguments": [1, 2]}</tool_call><tool_call>{"name": "g", "arguments": 5}</tool_call>""",
            ""
        },

        // The input ends inside a call, before and after its name.
        { """x<tool_call>{"name": "f", "arguments": {"a": """, "x", "" },
        { """x<tool_call>{"na""", """x<tool_call>{"na""", "" },
        { "x <tool_ca", "x <tool_ca", "" },
        { "<tool_call>\n ", "<tool_call>\n ", "" },
    };

    [Theory]
    [MemberData(nameof(SplitCases))]
    public void Append_EverySplit_SameEventsAsWholeInput(string input, string expectedText, string expectedNames)
    {
        RecordingObserver whole = TextParserHarness.AssertSplitInvariant(s_create, input);

        Assert.Equal(expectedText, whole.Text);
        Assert.Equal(expectedNames, string.Join(",", whole.Calls.Select(c => c.Name)));
    }

    [Theory]
    [MemberData(nameof(SplitCases))]
    public void Append_EverySplit_SameEventsAsTheHermesGrammar(string input, string expectedText, string expectedNames)
    {
        AssertSameEventsAsGrammar(input);

        Assert.Equal(expectedText, TextParserHarness.Run(s_create, input).Text);
        Assert.Equal(expectedNames, string.Join(",", TextParserHarness.Run(s_create, input).Calls.Select(c => c.Name)));
    }

    [Theory]
    [InlineData("{\"name\": \"f\", \"arguments\": {}} then <think>x</think>")]
    [InlineData("  <think>r</think><tool_call>{\"name\": \"f\", \"arguments\": {}}</tool_call>")]
    [InlineData("a <tool_call>{\"name\": \"f\", \"arguments\": {}}</tool_call> b <function=g>{\"x\": 1}</function> c")]
    [InlineData("```json\n{\"name\": \"f\", \"arguments\": {}}\n``` and <tools>{\"name\": \"g\", \"arguments\": {}}</tools>")]
    [InlineData("<tool_call>{\"name\": \"f\", \"id\": \"c1\", \"arguments\": {\"a\": [1, {\"b\": 2}]}}</tool_call>x</think>y")]
    [InlineData("<tool_call>{\"name\": \"f\", \"arguments\": {\"a\": 1}, \"id\": \"c1\"}</tool_call> set {1, 2}")]
    [InlineData("<= x a < b <tool> c `d` <f <tool_call>{\"name\": \"f\", \"arguments\": {}}</tool_call> e")]
    [InlineData(" <think>r</think>a <= b <tool_call>{\"name\": \"f\", \"arguments\": {}}</tool_call>")]
    [InlineData("` a <tool_call x <tools>{\"name\": \"g\", \"arguments\": {}}</tools>")]
    public void Append_Variants_SameEventsAsTheHermesGrammar(string input)
    {
        AssertSameEventsAsGrammar(input);
    }

    [Fact]
    public void Append_ReasoningStartsOpen_SameEventsAsTheHermesGrammar()
    {
        var options = new ToolCallParserOptions { ReasoningStartsOpen = true };
        const string input = "thinking</think>text <tool_call>{\"name\": \"f\", \"arguments\": {}}</tool_call>";

        RecordingObserver observer = TextParserHarness.Run(() => new HermesToolCallParser(options), input);

        Assert.Equal(TextParserHarness.Run(() => new MarkedJsonToolCallParser("hermes", options), input).Normalized(), observer.Normalized());
        Assert.Equal("thinking", observer.Reasoning);
    }

    [Fact]
    public void Append_RandomInputs_EverySplitSameEventsAndNoTextLost()
    {
        var random = new Random(20260101);
        int withCalls = 0;
        int withDiagnostics = 0;
        for (int n = 0; n < 300; n++)
        {
            string input = RandomResponse(random);

            RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, input);
            AssertSameEventsAsGrammar(input);

            if (observer.Started.Count == 0)
            {
                Assert.Equal(input, observer.Text);
            }

            withCalls += observer.Calls.Count > 0 ? 1 : 0;
            withDiagnostics += observer.Diagnostics.Count > 0 ? 1 : 0;
        }

        // The generator reaches both calls and malformed blocks.
        Assert.True(withCalls >= 100 && withDiagnostics >= 50, $"{withCalls} inputs with calls, {withDiagnostics} with diagnostics.");
    }

    // Text and calls; some calls are cut short or have a random piece inserted.
    private static string RandomResponse(Random random)
    {
        string[] text = ["hi ", "a < b", "<tool_", "<", "\n", "é", "</tool_call>"];
        string[] noise = ["<tool_call>", "</tool_call>", "{", "}", "[", "]", "\"", "\\", ":", ",", " ", "x", "1"];
        var builder = new System.Text.StringBuilder();
        for (int segment = random.Next(1, 4); segment > 0; segment--)
        {
            if (random.Next(3) == 0)
            {
                builder.Append(text[random.Next(text.Length)]);
                continue;
            }

            string call = "<tool_call>" + (random.Next(2) == 0 ? "\n" : string.Empty) +
                "{\"name\": \"f\", \"arguments\": " + RandomObject(random, 2) + "}" +
                (random.Next(2) == 0 ? "\n" : string.Empty) + "</tool_call>";
            switch (random.Next(4))
            {
                case 0:
                    call = call[..random.Next(call.Length)];
                    break;
                case 1:
                    call = call.Insert(random.Next(call.Length), noise[random.Next(noise.Length)]);
                    break;
                default:
                    break;
            }

            builder.Append(call);
        }

        return builder.ToString();
    }

    private static string RandomObject(Random random, int depth)
    {
        string[] scalars = ["1", "-2.5e3", "true", "null", "\"s\"", "\"} ]\"", "\"\\\"\"", "\"</tool_call>\""];
        var members = new List<string>();
        for (int k = random.Next(3); k > 0; k--)
        {
            string value = depth > 0 && random.Next(3) == 0
                ? (random.Next(2) == 0 ? RandomObject(random, depth - 1) : "[" + RandomObject(random, depth - 1) + "]")
                : scalars[random.Next(scalars.Length)];
            members.Add("\"k" + k + "\": " + value);
        }

        return "{" + string.Join(", ", members) + "}";
    }

    [Fact]
    public void Append_TextAroundOneCall_ReportsCallAndText()
    {
        const string input = """Hello <tool_call>{"name": "get_weather", "arguments": {"city": "Paris"}}</tool_call> bye""";

        RecordingObserver observer = TextParserHarness.Run(s_create, input);

        ParsedToolCall call = Assert.Single(observer.Calls);
        Assert.Equal(0, call.Index);
        Assert.Null(call.Id);
        Assert.Equal("get_weather", call.Name);
        Assert.Equal("""{"city": "Paris"}""", call.ArgumentsJson);
        Assert.Equal("Paris", call.Arguments!.Value.GetProperty("city").GetString());
        Assert.Equal(ToolCallCompletionReason.JsonClosed, call.Reason);
        Assert.Equal(input.IndexOf("\"Paris\"}", StringComparison.Ordinal) + 8, call.Offset);
        Assert.Null(call.Error);
        Assert.Equal("Hello  bye", observer.Text);
        Assert.Empty(observer.Diagnostics);
        Assert.Equal([(0, (string?)null, "get_weather")], observer.Started);
    }

    [Fact]
    public void Append_ChunkEndsAtArgumentsClose_CompletesBeforeEndMarkerArrives()
    {
        const string head = """<tool_call>{"name": "f", "arguments": {"a": [1, {"b": "}"}]}""";
        var parser = new HermesToolCallParser();
        var observer = new RecordingObserver();

        parser.Append(head, observer);

        ParsedToolCall call = Assert.Single(observer.Calls);
        Assert.Equal(head.Length, call.Offset);
        Assert.Equal("""{"a": [1, {"b": "}"}]}""", call.ArgumentsJson);
        Assert.Equal(ToolCallCompletionReason.JsonClosed, call.Reason);

        parser.Append("}</tool_call>", observer);
        parser.Complete(observer);

        Assert.Single(observer.Calls);
        Assert.Empty(observer.Diagnostics);
        Assert.Equal(string.Empty, observer.Text);
    }

    [Fact]
    public void Append_ClosingBraceAloneInChunk_CompletesInThatAppend()
    {
        var parser = new HermesToolCallParser();
        var observer = new RecordingObserver();
        parser.Append("""<tool_call>{"name": "f", "arguments": {"a": 1""", observer);
        Assert.Empty(observer.Calls);
        Assert.Equal("""{"a": 1""", observer.ArgumentsOf(0));

        parser.Append("}", observer);

        ParsedToolCall call = Assert.Single(observer.Calls);
        Assert.Equal(parser.Position, call.Offset);
        Assert.Equal(1, call.Arguments!.Value.GetProperty("a").GetInt32());
    }

    [Fact]
    public void Append_ArgumentsBegin_StartsCall()
    {
        var parser = new HermesToolCallParser();
        var observer = new RecordingObserver();

        parser.Append("""<tool_call>{"name": "search", "argu""", observer);

        // As in the hermes grammar, the call starts when its arguments begin, not when its name closes.
        Assert.Empty(observer.Started);
        Assert.Empty(observer.Calls);

        parser.Append("""ments": {"q": "ca""", observer);

        Assert.Equal([(0, (string?)null, "search")], observer.Started);
        Assert.Equal("""{"q": "ca""", observer.ArgumentsOf(0));
    }

    [Fact]
    public void Append_NameAfterArguments_CompletesWhenNameCloses()
    {
        const string head = """<tool_call>{"arguments": {"q": 1}, "name": "search" """;
        var observer = new RecordingObserver();
        var parser = new HermesToolCallParser();

        parser.Append(head, observer);

        ParsedToolCall call = Assert.Single(observer.Calls);
        Assert.Equal("search", call.Name);
        Assert.Equal("""{"q": 1}""", call.ArgumentsJson);
        Assert.Equal(head.Length - 1, call.Offset);
        Assert.Equal("""{"q": 1}""", observer.ArgumentsOf(0));
    }

    [Fact]
    public void Append_NoArgumentsMember_CompletesWithEmptyObjectWhenObjectCloses()
    {
        const string input = """<tool_call>{"name": "now"}</tool_call>""";

        RecordingObserver observer = TextParserHarness.Run(s_create, input);

        ParsedToolCall call = Assert.Single(observer.Calls);
        Assert.Equal("{}", call.ArgumentsJson);
        Assert.Equal(JsonValueKind.Object, call.Arguments!.Value.ValueKind);
        Assert.Equal(input.IndexOf('}') + 1, call.Offset);
    }

    [Fact]
    public void Append_ParametersKey_ReadAsArguments()
    {
        RecordingObserver observer = TextParserHarness.Run(s_create, """<tool_call>{"name": "s", "parameters": {"q": "x"}}</tool_call>""");

        Assert.Equal("""{"q": "x"}""", Assert.Single(observer.Calls).ArgumentsJson);
    }

    [Fact]
    public void Append_SeveralCalls_IndexedInOrderWithTextBetween()
    {
        const string input = "A<tool_call>{\"name\": \"a\", \"arguments\": {\"x\": 1}}</tool_call>\nB\n<tool_call>\n{\"name\": \"b\", \"arguments\": {\"y\": [2]}}\n</tool_call>C";

        RecordingObserver observer = TextParserHarness.Run(s_create, input);

        Assert.Collection(
            observer.Calls,
            c => Assert.Equal((0, "a", """{"x": 1}"""), (c.Index, c.Name, c.ArgumentsJson)),
            c => Assert.Equal((1, "b", """{"y": [2]}"""), (c.Index, c.Name, c.ArgumentsJson)));
        Assert.Equal("A\nB\nC", observer.Text);
        Assert.Empty(observer.Diagnostics);
    }

    [Fact]
    public void Append_StringsWithMarkersBracesAndEscapes_KeptInsideArguments()
    {
        const string arguments = """{"s": "} ] { [ \" \\ </tool_call> <tool_call> 杭州 🎉 \u00e9"}""";
        RecordingObserver observer = TextParserHarness.Run(s_create, "<tool_call>{\"name\": \"echo\", \"arguments\": " + arguments + "}</tool_call>");

        ParsedToolCall call = Assert.Single(observer.Calls);
        Assert.Equal(arguments, call.ArgumentsJson);
        Assert.Equal("} ] { [ \" \\ </tool_call> <tool_call> 杭州 🎉 é", call.Arguments!.Value.GetProperty("s").GetString());
        Assert.Equal(string.Empty, observer.Text);
    }

    [Fact]
    public void Append_EscapedName_Decoded()
    {
        RecordingObserver observer = TextParserHarness.Run(s_create, """<tool_call>{"name": "get\u005fweather", "arguments": {}}</tool_call>""");

        Assert.Equal("get_weather", Assert.Single(observer.Calls).Name);
    }

    [Fact]
    public void Append_PartialStartMarkerAtChunkEnd_HoldsOnlyThePrefix()
    {
        var parser = new HermesToolCallParser();
        var observer = new RecordingObserver();

        parser.Append("Hello <tool_ca", observer);
        Assert.Equal("Hello ", observer.Text);

        parser.Append("ll", observer);
        Assert.Equal("Hello ", observer.Text);

        parser.Append(">{\"name\": \"f\"}</tool_call>", observer);
        Assert.Equal("Hello ", observer.Text);
        Assert.Single(observer.Calls);
    }

    [Fact]
    public void Append_PartialStartMarkerThenOtherText_ReleasesHeldText()
    {
        var parser = new HermesToolCallParser();
        var observer = new RecordingObserver();

        parser.Append("a <tool", observer);
        Assert.Equal("a ", observer.Text);

        parser.Append("box> b", observer);

        Assert.Equal("a <toolbox> b", observer.Text);
        Assert.Empty(observer.Calls);
    }

    [Fact]
    public void Append_HeldLessThanFollowedByMarker_ReleasesOnlyTheFirst()
    {
        var parser = new HermesToolCallParser();
        var observer = new RecordingObserver();

        parser.Append("x<", observer);
        parser.Append("<tool_call>{\"name\": \"f\"}</tool_call>", observer);

        Assert.Equal("x<", observer.Text);
        Assert.Single(observer.Calls);
    }

    [Fact]
    public void Append_TextWithoutMarker_ReportedInSameAppendWithoutCopy()
    {
        var parser = new HermesToolCallParser();
        var observer = new RecordingObserver();

        parser.Append("plain text, a < b > c", observer);

        ParserEvent e = Assert.Single(observer.Events);
        Assert.Equal(ParserEventKind.Text, e.Kind);
        Assert.Equal("plain text, a < b > c", e.Text);
    }

    [Fact]
    public void Complete_HeldMarkerPrefix_FlushedAsText()
    {
        RecordingObserver observer = TextParserHarness.Run(s_create, "x <tool_ca");

        Assert.Equal("x <tool_ca", observer.Text);
        Assert.Empty(observer.Diagnostics);
    }

    [Fact]
    public void Append_PlainTextSteadyState_DoesNotAllocate()
    {
        var parser = new HermesToolCallParser();
        var observer = new CountingObserver();
        string chunk = "Some ordinary model output, with a < sign and no tool call at all. ";
        for (int k = 0; k < 100; k++)
        {
            parser.Append(chunk, observer);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int k = 0; k < 1000; k++)
        {
            parser.Append(chunk, observer);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(1100L * chunk.Length, observer.TextLength);
    }

    [Fact]
    public void Append_NoJsonAfterMarker_DiagnosticAndTextKept()
    {
        const string input = "<tool_call>oops</tool_call> bye";

        RecordingObserver observer = TextParserHarness.Run(s_create, input);

        Assert.Empty(observer.Calls);
        Assert.Equal(input, observer.Text);
        ParserDiagnostic diagnostic = Assert.Single(observer.Diagnostics);
        Assert.Equal(ParserDiagnosticCodes.CallMissingJson, diagnostic.Code);
        Assert.Equal(11, diagnostic.Offset);
    }

    [Fact]
    public void Append_EndMarkerBeforeJsonCloses_AbortsAndKeepsText()
    {
        const string input = """<tool_call>{"name": "f", "arguments": {"a": 1</tool_call> after""";

        RecordingObserver observer = TextParserHarness.Run(s_create, input);

        Assert.Empty(observer.Calls);
        Assert.Equal([0], observer.Aborted);
        Assert.Equal([ParserDiagnosticCodes.CallInvalidJson], observer.DiagnosticCodes);
        Assert.Equal(input.IndexOf("</", StringComparison.Ordinal), observer.Diagnostics[0].Offset);
        Assert.Equal(input, observer.Text);
    }

    [Fact]
    public void Append_InvalidJsonBeforeName_DiagnosticAndTextKept()
    {
        const string input = """<tool_call>{"name" "f"}</tool_call><tool_call>{"name": "g"}</tool_call>""";

        RecordingObserver observer = TextParserHarness.Run(s_create, input);

        Assert.Empty(observer.Aborted);

        // The second block has no arguments, which the hermes grammar takes as {} with a diagnostic.
        Assert.Equal([ParserDiagnosticCodes.CallInvalidJson, ParserDiagnosticCodes.CallMissingJson], observer.DiagnosticCodes);
        Assert.Equal("""<tool_call>{"name" "f"}</tool_call>""", observer.Text);
        Assert.Equal("g", Assert.Single(observer.Calls).Name);
        Assert.Equal(0, observer.Calls[0].Index);
    }

    [Fact]
    public void Append_InvalidLiteralInArguments_AbortsAndKeepsText()
    {
        const string input = """<tool_call>{"name": "f", "arguments": {"a": tru}}</tool_call> ok""";

        RecordingObserver observer = TextParserHarness.Run(s_create, input);

        Assert.Empty(observer.Calls);
        Assert.Equal([0], observer.Aborted);
        Assert.Equal(input, observer.Text);
        Assert.Equal("""{"a": tru""", observer.ArgumentsOf(0));
    }

    [Theory]
    [InlineData("""<tool_call>{"arguments": {"a": 1}}</tool_call>""")]
    [InlineData("""<tool_call>{"name": 3, "arguments": {}}</tool_call>""")]
    [InlineData("""<tool_call>{"name": "", "arguments": {}}</tool_call>""")]
    [InlineData("""<tool_call>{"name": null}</tool_call>""")]
    public void Append_MissingName_DiagnosticNoCallTextKept(string input)
    {
        RecordingObserver observer = TextParserHarness.Run(s_create, input);

        Assert.Empty(observer.Calls);
        Assert.Empty(observer.Started);
        Assert.Equal([ParserDiagnosticCodes.CallMissingName], observer.DiagnosticCodes);
        Assert.Equal(input, observer.Text);
    }

    [Fact]
    public void Append_ArgumentsNotObject_DiagnosticAndTextKept()
    {
        const string input = """<tool_call>{"name": "f", "arguments": [1]}</tool_call>""";

        RecordingObserver observer = TextParserHarness.Run(s_create, input);

        // As the hermes grammar does: no call, the block is text.
        Assert.Empty(observer.Calls);
        Assert.Empty(observer.Started);
        Assert.Equal([ParserDiagnosticCodes.ArgumentsNotObject], observer.DiagnosticCodes);
        Assert.Equal(input, observer.Text);
    }

    [Fact]
    public void Complete_InsideStartedCall_AbortsWithDiagnostic()
    {
        const string input = """x<tool_call>{"name": "f", "arguments": {"a": """;

        RecordingObserver observer = TextParserHarness.Run(s_create, input);

        Assert.Empty(observer.Calls);
        Assert.Equal([0], observer.Aborted);
        Assert.Equal([ParserDiagnosticCodes.ArgumentsUnclosed], observer.DiagnosticCodes);
        Assert.Equal(input.Length, observer.Diagnostics[0].Offset);
        Assert.Equal("x", observer.Text);
        Assert.Equal("""{"a": """, observer.ArgumentsOf(0));
    }

    [Theory]
    [InlineData("""x<tool_call>{"na""")]
    [InlineData("x<tool_call>\n")]
    [InlineData("""x<tool_call>{"arguments": {}, "name": "f""")]
    public void Complete_InsideCallBeforeName_DiagnosticAndTextKept(string input)
    {
        RecordingObserver observer = TextParserHarness.Run(s_create, input);

        Assert.Empty(observer.Started);
        Assert.Equal([ParserDiagnosticCodes.CallUnterminated], observer.DiagnosticCodes);
        Assert.Equal(input, observer.Text);
    }

    [Fact]
    public void Complete_EndMarkerMissingAfterCompleteJson_CallWithoutDiagnostic()
    {
        RecordingObserver observer = TextParserHarness.Run(s_create, "<tool_call>\n{\"name\": \"final_answer\", \"arguments\": {\"trigger\": true}}\n");

        Assert.True(Assert.Single(observer.Calls).Arguments!.Value.GetProperty("trigger").GetBoolean());
        Assert.Empty(observer.Diagnostics);
        Assert.Equal(string.Empty, observer.Text);
    }

    [Fact]
    public void Append_TextInsteadOfEndMarker_DiagnosticAndTextKept()
    {
        const string input = "<tool_call>{\"name\": \"f\", \"arguments\": {}}\n\nDone.";

        RecordingObserver observer = TextParserHarness.Run(s_create, input);

        Assert.Single(observer.Calls);
        Assert.Equal([ParserDiagnosticCodes.CallEndMarkerMissing], observer.DiagnosticCodes);
        Assert.Equal("\n\nDone.", observer.Text);
    }

    [Fact]
    public void Append_NextCallInsteadOfEndMarker_BothCallsParsed()
    {
        RecordingObserver observer = TextParserHarness.Run(s_create, """<tool_call>{"name": "a"}<tool_call>{"name": "b"}</tool_call>""");

        Assert.Equal(["a", "b"], observer.Calls.Select(c => c.Name));

        // Calls without arguments are taken as {} with a diagnostic, as the hermes grammar does.
        Assert.Equal([ParserDiagnosticCodes.CallMissingJson, ParserDiagnosticCodes.CallEndMarkerMissing, ParserDiagnosticCodes.CallMissingJson], observer.DiagnosticCodes);
        Assert.Equal(string.Empty, observer.Text);
    }

    [Fact]
    public void Append_ObjectMissingClosingBrace_CallKeptEndMarkerConsumed()
    {
        RecordingObserver observer = TextParserHarness.Run(s_create, """<tool_call>{"name": "f", "arguments": {"a": 1}</tool_call>ok""");

        Assert.Equal(1, Assert.Single(observer.Calls).Arguments!.Value.GetProperty("a").GetInt32());
        Assert.Equal([ParserDiagnosticCodes.CallInvalidJson], observer.DiagnosticCodes);
        Assert.Equal("ok", observer.Text);
    }

    [Fact]
    public void Append_ArgumentsTooLong_AbortsSkipsCallAndParsesNext()
    {
        var options = new ToolCallParserOptions { MaxArgumentsLength = 10 };
        const string input = """<tool_call>{"name": "f", "arguments": {"a": "0123456789"}}</tool_call>x<tool_call>{"name": "g", "arguments": {"b": 1}}</tool_call>""";

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(() => new HermesToolCallParser(options), input);

        Assert.Equal([0], observer.Aborted);
        Assert.Equal([ParserDiagnosticCodes.ArgumentsTooLong], observer.DiagnosticCodes);
        Assert.Equal(input.IndexOf("{\"a\"", StringComparison.Ordinal) + 10, observer.Diagnostics[0].Offset);
        Assert.Equal("""{"a": "012""", observer.ArgumentsOf(0));
        ParsedToolCall next = Assert.Single(observer.Calls);
        Assert.Equal((1, "g"), (next.Index, next.Name));
        Assert.Equal("x", observer.Text);
    }

    [Fact]
    public void Append_ArgumentsExactlyAtLimit_Accepted()
    {
        var options = new ToolCallParserOptions { MaxArgumentsLength = 8 };

        RecordingObserver observer = TextParserHarness.Run(() => new HermesToolCallParser(options), """<tool_call>{"name": "f", "arguments": {"a": 1}}</tool_call>""");

        Assert.Equal("""{"a": 1}""", Assert.Single(observer.Calls).ArgumentsJson);
        Assert.Empty(observer.Diagnostics);
    }

    [Fact]
    public void Append_ArgumentsTooDeep_AbortsSkipsCallAndParsesNext()
    {
        var options = new ToolCallParserOptions { MaxDepth = 2 };
        const string input = """<tool_call>{"name": "f", "arguments": {"a": {"b": {"c": 1}}}}</tool_call>x<tool_call>{"name": "g", "arguments": {"a": {"b": 1}}}</tool_call>""";

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(() => new HermesToolCallParser(options), input);

        Assert.Equal([0], observer.Aborted);
        Assert.Equal([ParserDiagnosticCodes.ArgumentsTooDeep], observer.DiagnosticCodes);
        Assert.Equal(input.IndexOf("{\"c\"", StringComparison.Ordinal), observer.Diagnostics[0].Offset);
        Assert.Equal(1, Assert.Single(observer.Calls).Arguments!.Value.GetProperty("a").GetProperty("b").GetInt32());
        Assert.Equal("x", observer.Text);
    }

    [Fact]
    public void Append_TooManyCalls_ExtraCallsDropped()
    {
        var options = new ToolCallParserOptions { MaxCallsPerResponse = 2 };
        const string call = """<tool_call>{"name": "f", "arguments": {}}</tool_call>""";

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(() => new HermesToolCallParser(options), call + call + call + "end");

        Assert.Equal([0, 1], observer.Calls.Select(c => c.Index));
        Assert.Equal([ParserDiagnosticCodes.TooManyCalls], observer.DiagnosticCodes);
        Assert.Equal("end", observer.Text);
    }

    [Fact]
    public void Append_NameBeyondWrapperBudget_DiagnosticAndTextKept()
    {
        string input = "<tool_call>{\"name\": \"" + new string('n', 2000) + "\", \"arguments\": {}}</tool_call>after";

        RecordingObserver observer = TextParserHarness.Run(s_create, input);

        // As the hermes grammar does: the block is too long besides its arguments, and is kept as text.
        Assert.Empty(observer.Calls);
        Assert.Equal([ParserDiagnosticCodes.CallMissingJson], observer.DiagnosticCodes);
        Assert.Equal(input.IndexOf(", \"arguments\"", StringComparison.Ordinal), observer.Diagnostics[0].Offset);
        Assert.Equal(input, observer.Text);
    }

    // Found by fuzzing: keys holding a backslash once decoded, or a lone surrogate escape, overflowed the stack.
    [Theory]
    [InlineData("""<tool_call>{"a\\\\b": 1, "name": "f", "arguments": {"k": 1}}</tool_call>""")]
    [InlineData("""<tool_call>{"na83d\ude00": 1, "name": "f", "arguments": {"k": 1}}</tool_call>""")]
    [InlineData("""<tool_call>{"\\\\\\\\": {"\\\\": 2}, "name": "f", "arguments": {"k": 1}}</tool_call>""")]
    public void Append_KeysWithBackslashesOrLoneSurrogates_CallParsed(string input)
    {
        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, input);
        ParsedToolCall call = Assert.Single(observer.Calls);
        Assert.Equal("f", call.Name);
        Assert.Equal("""{"k": 1}""", call.ArgumentsJson);
    }

    [Fact]
    public void Append_AfterComplete_Throws()
    {
        var parser = new HermesToolCallParser();
        var observer = new RecordingObserver();
        parser.Complete(observer);

        Assert.Throws<InvalidOperationException>(() => parser.Append("x", observer));
    }

    [Fact]
    public void Format_IsHermes()
    {
        Assert.Equal("hermes", new HermesToolCallParser().Format);
    }

    [Fact]
    public void Append_ConformanceCases_MatchExpectedCalls()
    {
        int checkedCases = 0;
        foreach (ConformanceCase c in ConformanceCorpus.Cases("hermes"))
        {
            // This parser reads the canonical <tool_call> form; llama.cpp's other wrappers and reasoning
            // transcripts are other parsers' business.
            if (!c.Text.Contains("<tool_call>", StringComparison.Ordinal) || c.HasReasoning)
            {
                continue;
            }

            // vLLM expects no call when the outer object never closes; ToolFlow completes the call as soon as
            // its arguments close, by design.
            if (c.ExpectedCalls.Count == 0 && c.Text.Contains("\"arguments\"", StringComparison.Ordinal))
            {
                continue;
            }

            RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, c.Text);

            Assert.Equal(c.ExpectedCalls.Count, observer.Calls.Count);
            for (int k = 0; k < c.ExpectedCalls.Count; k++)
            {
                Assert.Equal(c.ExpectedCalls[k].Name, observer.Calls[k].Name);
                Assert.True(
                    JsonElement.DeepEquals(c.ExpectedCalls[k].Arguments, observer.Calls[k].Arguments!.Value),
                    $"{c.Id}: {observer.Calls[k].ArgumentsJson}");
            }

            if (c.ExpectedContent is not null)
            {
                Assert.Equal(c.ExpectedContent.Trim(), observer.Text.Trim());
            }

            Assert.Empty(observer.Diagnostics);
            checkedCases++;
        }

        Assert.True(checkedCases >= 15, $"Only {checkedCases} conformance cases were checked.");
    }

    private sealed class CountingObserver : IToolCallParserObserver
    {
        public long TextLength { get; private set; }

        public void OnText(ReadOnlySpan<char> text) => TextLength += text.Length;

        public void OnReasoning(ReadOnlySpan<char> text) => throw new InvalidOperationException();

        public void OnCallStarted(int index, string? id, string name) => throw new InvalidOperationException();

        public void OnArgumentsDelta(int index, ReadOnlySpan<char> fragment) => throw new InvalidOperationException();

        public void OnCallCompleted(ParsedToolCall call) => throw new InvalidOperationException();

        public void OnCallAborted(int index, string reason) => throw new InvalidOperationException();

        public void OnDiagnostic(ParserDiagnostic diagnostic) => throw new InvalidOperationException();
    }

    // The events of the registered hermes parser are the hermes grammar's, whole and at every split.
    private static void AssertSameEventsAsGrammar(string input)
    {
        foreach (string[] chunks in TextParserHarness.Splits(input))
        {
            IReadOnlyList<string> expected = TextParserHarness.Run(() => new MarkedJsonToolCallParser("hermes"), chunks).Normalized();
            Assert.Equal(expected, TextParserHarness.Run(s_create, chunks).Normalized());
        }
    }
}
