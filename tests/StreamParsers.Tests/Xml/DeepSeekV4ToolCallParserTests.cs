namespace ToolFlow.StreamParsers.Tests;

public sealed class DeepSeekV4ToolCallParserTests
{
    private static readonly Func<ToolCallTextParser> s_create = () => new DeepSeekV4ToolCallParser();

    [Fact]
    public void Append_ToolCallsBlock_CallsRead()
    {
        string input = "<｜DSML｜tool_calls>\n<｜DSML｜invoke name=\"get\">\n<｜DSML｜parameter name=\"id\" string=\"false\">7</｜DSML｜parameter>\n</｜DSML｜invoke>\n<｜DSML｜invoke name=\"submit\"/>\n</｜DSML｜tool_calls>";

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, input);

        XmlParameterCallReaderTests.AssertCalls("""get {"id": 7} | submit {}""", observer);
        Assert.Equal("deepseek_v4", new DeepSeekV4ToolCallParser().Format);
    }

    [Fact]
    public void Append_V32Block_IsText()
    {
        const string Input = "<｜DSML｜function_calls>\n<｜DSML｜invoke name=\"submit\"/>\n</｜DSML｜function_calls>";

        RecordingObserver observer = TextParserHarness.Run(s_create, Input);

        Assert.Empty(observer.Calls);
        Assert.Equal(Input, observer.Text);
    }
}
