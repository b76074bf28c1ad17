using System.Text.Json;

namespace ToolFlow.StreamParsers.Tests;

public sealed class Qwen3CoderToolCallParserTests
{
    private const string WeatherSchema = """
        {"type": "object", "properties": {
            "city": {"type": "string"}, "days": {"type": "integer"}, "units": {"enum": ["c", "f"]},
            "tags": {"type": "array"}, "strict": {"type": "boolean"}, "ratio": {"type": "number"}}}
        """;

    private static readonly ToolCallParserOptions s_options = XmlParameterCallReaderTests.WithSchemas(("get_weather", WeatherSchema));
    private static readonly Func<ToolCallTextParser> s_create = () => new Qwen3CoderToolCallParser(s_options);

    // Input, the text expected around the calls, and the calls expected ("name args" joined by " | ").
    public static TheoryData<string, string, string> SplitCases { get; } = new()
    {
        // Text around a call; a string and an integer, each on its own lines.
        {
            "Sure.<tool_call>\n<function=get_weather>\n<parameter=city>\nParis\n</parameter>\n<parameter=days>\n3\n</parameter>\n</function>\n</tool_call> Bye",
            "Sure. Bye",
            """get_weather {"city":"Paris","days":3}"""
        },

        // The template put <tool_call> in the prompt: the call begins at <function=.
        { "<function=get_weather>\n<parameter=city>\nRome\n</parameter>\n</function>\n</tool_call>", "", """get_weather {"city":"Rome"}""" },

        // A string holding markup, '<' and a newline of its own before the layout newline.
        {
            "<tool_call>\n<function=get_weather>\n<parameter=city>\n<b>a</b> < c\n\n</parameter>\n</function>\n</tool_call>",
            "",
            """get_weather {"city":"<b>a</b> < c\n"}"""
        },

        // Values without layout newlines, two calls in two blocks, an unknown tool with JSON-looking values.
        {
            "<tool_call><function=get_weather><parameter=city>Oslo</parameter><parameter=strict>True</parameter></function></tool_call>\n<tool_call><function=other><parameter=n>7</parameter><parameter=s>x y</parameter></function></tool_call>",
            "\n",
            """get_weather {"city":"Oslo","strict":true} | other {"n":7,"s":"x y"}"""
        },

        // Reasoning, then a call with no parameters.
        { "<think>hmm</think>\n<tool_call>\n<function=now>\n</function>\n</tool_call>", "\n", "now {}" },

        // Malformed: no function after <tool_call>; a name with a line break; an empty name.
        { "<tool_call>oops</tool_call> ok", "<tool_call>oops</tool_call> ok", "" },
        { "<tool_call>\n<function=get\nweather>\n</function>\n</tool_call>", "<tool_call>\n<function=get\nweather>\n</function>\n</tool_call>", "" },
        { "<tool_call><function=></function></tool_call>", "<tool_call><function=></function></tool_call>", "" },

        // Text inside a block after a complete call ends the block.
        { "<tool_call>\n<function=now>\n</function>\nxyz</tool_call>", "\nxyz</tool_call>", "now {}" },

        // Near misses of every marker stay text.
        { "a <tool_ca b <function c </function> <think", "a <tool_ca b <function c </function> <think", "" },

        // The input ends inside a call: before its name (kept as text), and inside a value (aborted).
        { "x<tool_call>\n<function=get_wea", "x<tool_call>\n<function=get_wea", "" },
        { "x<tool_call>\n<function=get_weather>\n<parameter=city>\nPa", "x", "" },
    };

    [Theory]
    [MemberData(nameof(SplitCases))]
    public void Append_EverySplit_SameEventsAsWholeInput(string input, string expectedText, string expectedCalls)
    {
        RecordingObserver whole = TextParserHarness.AssertSplitInvariant(s_create, input);

        Assert.Equal(expectedText, whole.Text);
        XmlParameterCallReaderTests.AssertCalls(expectedCalls, whole);
    }

    [Fact]
    public void Append_StringParameter_StreamsBeforeItsElementCloses()
    {
        var parser = new Qwen3CoderToolCallParser(s_options);
        var observer = new RecordingObserver();

        parser.Append("<tool_call>\n<function=get_weather>\n<parameter=city>\nSan Fr", observer);
        string first = observer.ArgumentsOf(0);
        parser.Append("ancisco\n", observer);
        string second = observer.ArgumentsOf(0);
        parser.Append("</parameter>\n</function>", observer);

        Assert.Equal("{\"city\":\"San Fr", first);
        Assert.Equal("{\"city\":\"San Francisco", second);
        ParsedToolCall call = Assert.Single(observer.Calls);
        Assert.Equal("{\"city\":\"San Francisco\"}", call.ArgumentsJson);
        Assert.Equal(call.ArgumentsJson, observer.ArgumentsOf(0));
    }

    [Fact]
    public void Append_TypedParameters_ValuesFollowTheSchema()
    {
        string input = "<tool_call>\n<function=get_weather>\n<parameter=days>\n 5 \n</parameter>\n<parameter=units>\nc\n</parameter>\n" +
            "<parameter=tags>\n[\"a\", {\"b\": 1}]\n</parameter>\n<parameter=ratio>\n0.25\n</parameter>\n<parameter=extra>\n{\"x\": null}\n</parameter>\n</function>\n</tool_call>";

        RecordingObserver observer = TextParserHarness.Run(s_create, input);

        ParsedToolCall call = Assert.Single(observer.Calls);
        XmlParameterCallReaderTests.AssertJson("""{"days": 5, "units": "c", "tags": ["a", {"b": 1}], "ratio": 0.25, "extra": {"x": null}}""", call);
    }

    [Fact]
    public void Append_ToolsCalledAgainWithAParameterOfTheSameName_EachTypedByItsOwnTool()
    {
        // The parser reads each tool's parameter types once: "days" is an integer for one tool, a string for the
        // other, and each call of either keeps its own.
        var options = XmlParameterCallReaderTests.WithSchemas(
            ("get_weather", WeatherSchema),
            ("plan_trip", """{"type": "object", "properties": {"days": {"type": "string"}}}"""));
        static string Call(string tool, string days) =>
            $"<tool_call>\n<function={tool}>\n<parameter=days>\n{days}\n</parameter>\n</function>\n</tool_call>\n";
        string input = Call("get_weather", "3") + Call("plan_trip", "3") + Call("get_weather", "4") + Call("plan_trip", "4");

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(() => new Qwen3CoderToolCallParser(options), input);

        Assert.Equal(
            ["""{"days":3}""", """{"days":"3"}""", """{"days":4}""", """{"days":"4"}"""],
            observer.Calls.Select(c => c.ArgumentsJson));
        Assert.Empty(observer.Diagnostics);
    }

    [Fact]
    public void Append_FunctionEndTag_CompletesTheCallJustPastIt()
    {
        const string Call = "<tool_call>\n<function=now>\n<parameter=tz>\nUTC\n</parameter>\n</function>";
        string input = Call + "\n</tool_call>\nDone.";

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, input);

        ParsedToolCall call = Assert.Single(observer.Calls);
        Assert.Equal(Call.Length, call.Offset);
        Assert.Equal(ToolCallCompletionReason.EndMarker, call.Reason);
        Assert.Equal("\nDone.", observer.Text);
    }

    [Fact]
    public void Append_TextBeforeLoneThinkEnd_IsReasoning()
    {
        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, "I should look.\n</think>\n\nThe answer.");

        Assert.Equal("I should look.\n", observer.Reasoning);
        Assert.Equal("\n\nThe answer.", observer.Text);
    }

    [Fact]
    public void Append_LongTextWithoutThinkEnd_StreamsAsTextOncePastTheBudget()
    {
        var parser = new Qwen3CoderToolCallParser(s_options);
        var observer = new RecordingObserver();
        string chunk = new('a', 100);

        for (int k = 0; k < 100; k++)
        {
            observer.Chunk = k;
            parser.Append(chunk, observer);
        }

        // Held while it may be reasoning, then streamed as text long before the input ends.
        ParserEvent firstText = observer.Events.First(e => e.Kind == ParserEventKind.Text);
        Assert.InRange(firstText.Chunk, 80, 90);
        parser.Complete(observer);
        Assert.Equal(10_000, observer.Text.Length);
        Assert.Empty(observer.Reasoning);
    }

    [Fact]
    public void Append_ArgumentsLongerThanLimit_CallAbortedAndNextCallRead()
    {
        var options = new ToolCallParserOptions { MaxArgumentsLength = 24, ToolSchemas = s_options.ToolSchemas };
        string input = "<tool_call>\n<function=get_weather>\n<parameter=city>\n" + new string('x', 40) + "\n</parameter>\n</function>\n" +
            "<function=get_weather>\n<parameter=days>\n2\n</parameter>\n</function>\n</tool_call>";

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(() => new Qwen3CoderToolCallParser(options), input);

        Assert.Equal([0], observer.Aborted);
        Assert.Contains(ParserDiagnosticCodes.ArgumentsTooLong, observer.DiagnosticCodes);
        Assert.True(observer.ArgumentsOf(0).Length <= 24);
        ParsedToolCall call = Assert.Single(observer.Calls);
        Assert.Equal(1, call.Index);
        XmlParameterCallReaderTests.AssertJson("""{"days": 2}""", call);
    }

    [Fact]
    public void Append_ValueDeeperThanLimit_CallAborted()
    {
        var options = new ToolCallParserOptions { MaxDepth = 3, ToolSchemas = s_options.ToolSchemas };
        string input = "<tool_call>\n<function=get_weather>\n<parameter=tags>\n[[[1]]]\n</parameter>\n</function>\n</tool_call>";

        RecordingObserver observer = TextParserHarness.Run(() => new Qwen3CoderToolCallParser(options), input);

        Assert.Empty(observer.Calls);
        Assert.Equal([0], observer.Aborted);
        Assert.Contains(ParserDiagnosticCodes.ArgumentsTooDeep, observer.DiagnosticCodes);
    }

    [Fact]
    public void Append_MoreCallsThanLimit_ExtraCallsDropped()
    {
        var options = new ToolCallParserOptions { MaxCallsPerResponse = 1 };
        string input = "<tool_call>\n<function=a>\n</function>\n<function=b>\n<parameter=x>\n1\n</parameter>\n</function>\n</tool_call>ok";

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(() => new Qwen3CoderToolCallParser(options), input);

        Assert.Equal("a", Assert.Single(observer.Calls).Name);
        Assert.Equal(ParserDiagnosticCodes.TooManyCalls, Assert.Single(observer.DiagnosticCodes));
        Assert.Equal("ok", observer.Text);
    }

    [Fact]
    public void Append_AfterComplete_Throws()
    {
        var parser = new Qwen3CoderToolCallParser();
        var observer = new RecordingObserver();
        parser.Complete(observer);

        Assert.Throws<InvalidOperationException>(() => parser.Append("x", observer));
        Assert.Equal("qwen3_coder", parser.Format);
    }
}
