namespace ToolFlow.StreamParsers.Tests;

public sealed class Glm45ToolCallParserTests
{
    private static readonly ToolCallParserOptions s_options = XmlParameterCallReaderTests.WithSchemas(
        ("todo_write", """{"type": "object", "properties": {"todos": {"type": "array"}}}"""),
        ("get_weather", """{"type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"}}}"""));

    private static readonly Func<ToolCallTextParser> s_create = () => new Glm45ToolCallParser(s_options);

    // Input, the text expected around the calls, and the calls expected ("name args" joined by " | ").
    public static TheoryData<string, string, string> SplitCases { get; } = new()
    {
        // Indented layout, text before, two calls.
        {
            "Sure. <tool_call>get_weather\n    <arg_key>city</arg_key>\n    <arg_value>Dallas</arg_value>\n    </tool_call>\n    <tool_call>get_weather\n<arg_key>days</arg_key>\n<arg_value>2</arg_value>\n</tool_call>",
            "Sure. \n    ",
            """get_weather {"city": "Dallas"} | get_weather {"days": 2}"""
        },

        // Values keep their leading white space; a call without arguments ends at </tool_call>.
        { "<tool_call>apply\n<arg_key>old</arg_key>\n<arg_value>    code</arg_value>\n</tool_call><tool_call>now</tool_call>", "", """apply {"old": "    code"} | now {}""" },

        // Layout written as text (\n) and an array escaped once more.
        {
            "<tool_call>todo_write\\n<arg_key>todos</arg_key>\\n<arg_value>[{\\\"id\\\": \\\"1\\\"}]</arg_value></tool_call>",
            "",
            """todo_write {"todos": [{"id": "1"}]}"""
        },

        // Without a schema, a value that reads as JSON is JSON.
        { "<tool_call>f\n<arg_key>n</arg_key>\n<arg_value>1</arg_value>\n<arg_key>d</arg_key>\n<arg_value>2024-06-27</arg_value>\n</tool_call>", "", """f {"n": 1, "d": "2024-06-27"}""" },

        // Reasoning, explicit and then text.
        { "\n<think>I'm\nthinking</think>Hello\n<tool_call>f</tool_call>", "\nHello\n", "f {}" },

        // Malformed: text between arguments; a tag in the name; an empty name.
        {
            "<tool_call>f\n<arg_key>a</arg_key>junk<arg_value>1</arg_value></tool_call>",
            "<tool_call>f\n<arg_key>a</arg_key>junk<arg_value>1</arg_value></tool_call>",
            ""
        },
        { "<tool_call>f<b>\n</tool_call>", "<tool_call>f<b>\n</tool_call>", "" },
        { "<tool_call>\n</tool_call>", "<tool_call>\n</tool_call>", "" },
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
    public void Append_NameLineEnds_CallStartsBeforeItsArguments()
    {
        var parser = new Glm45ToolCallParser(s_options);
        var observer = new RecordingObserver();

        parser.Append("<tool_call>get_weather\n", observer);
        bool startedAtLineEnd = observer.Started.Count == 1;
        parser.Append("<arg_key>city</arg_key>\n<arg_value>Par", observer);
        string streamed = observer.ArgumentsOf(0);
        parser.Append("is</arg_value>\n</tool_call>", observer);

        Assert.True(startedAtLineEnd);
        Assert.Equal("{\"city\":\"Par", streamed);
        Assert.Equal("{\"city\":\"Paris\"}", Assert.Single(observer.Calls).ArgumentsJson);
    }
}
