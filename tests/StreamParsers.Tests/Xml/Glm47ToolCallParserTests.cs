namespace ToolFlow.StreamParsers.Tests;

public sealed class Glm47ToolCallParserTests
{
    private static readonly Func<ToolCallTextParser> s_create = () => new Glm47ToolCallParser();

    [Fact]
    public void Append_CallsWithoutNewlines_Read()
    {
        const string Input = "<tool_call>f<arg_key>a</arg_key><arg_value>1</arg_value><arg_key>b</arg_key><arg_value>x y</arg_value></tool_call><tool_call>g</tool_call>";

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, Input);

        XmlParameterCallReaderTests.AssertCalls("""f {"a": 1, "b": "x y"} | g {}""", observer);
        Assert.Equal(string.Empty, observer.Text);
    }

    [Fact]
    public void Append_TextBeforeLoneThinkEnd_IsReasoning()
    {
        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, "Let me read it.</think><tool_call>read_file</tool_call>");

        Assert.Equal("Let me read it.", observer.Reasoning);
        Assert.Equal(string.Empty, observer.Text);
        Assert.Equal("read_file", Assert.Single(observer.Calls).Name);
        Assert.Equal("glm47", new Glm47ToolCallParser().Format);
    }
}
