namespace ToolFlow.StreamParsers.Tests;

public sealed class Qwen3XmlToolCallParserTests
{
    [Fact]
    public void Append_TextAtStart_StreamsAtOnce()
    {
        var parser = new Qwen3XmlToolCallParser();
        var observer = new RecordingObserver();

        parser.Append("Hello there", observer);

        // No reasoning block can be open from the prompt: the text is not held.
        Assert.Equal("Hello there", observer.Text);
        Assert.Equal("qwen3_xml", parser.Format);
    }

    [Fact]
    public void Append_EscapedStrings_KeptLiterally()
    {
        const string Input = "<tool_call>\n<function=test>\n<parameter=quoted>He said \"hello\"</parameter>\n<parameter=path>C:\\Users\\file.txt</parameter>\n</function>\n</tool_call>";

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(() => new Qwen3XmlToolCallParser(), Input);

        XmlParameterCallReaderTests.AssertJson("""{"quoted": "He said \"hello\"", "path": "C:\\Users\\file.txt"}""", Assert.Single(observer.Calls));
    }
}
