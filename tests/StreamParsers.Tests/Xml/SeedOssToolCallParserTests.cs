namespace ToolFlow.StreamParsers.Tests;

public sealed class SeedOssToolCallParserTests
{
    private static readonly Func<ToolCallTextParser> s_create = () => new SeedOssToolCallParser();

    [Fact]
    public void Append_ThinkBlock_KeptAsTextAndCallsInsideNotRead()
    {
        const string Think = "<seed:think>Maybe <seed:tool_call>\n<function=f>\n</function>\n</seed:tool_call>?</seed:think>";
        const string Input = Think + "\n<seed:tool_call>\n<function=g>\n<parameter=a>1</parameter>\n</function>\n</seed:tool_call>";

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, Input);

        Assert.Equal(Think + "\n", observer.Text);
        Assert.Empty(observer.Reasoning);
        XmlParameterCallReaderTests.AssertCalls("""g {"a": 1}""", observer);
    }

    [Fact]
    public void Append_StringValue_KeptExactlyAsWritten()
    {
        const string Input = "<seed:tool_call>\n<function=edit>\n<parameter=text>\n  x = \"1\"\n</parameter>\n</function>\n</seed:tool_call>";

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, Input);

        XmlParameterCallReaderTests.AssertJson("""{"text": "\n  x = \"1\"\n"}""", Assert.Single(observer.Calls));
    }

    [Fact]
    public void Append_PlainToolCallMarker_IsText()
    {
        const string Input = "<tool_call>\n<function=f>\n</function>\n</tool_call>";

        RecordingObserver observer = TextParserHarness.Run(s_create, Input);

        Assert.Empty(observer.Calls);
        Assert.Equal(Input, observer.Text);
        Assert.Equal("seed_oss", new SeedOssToolCallParser().Format);
    }
}
