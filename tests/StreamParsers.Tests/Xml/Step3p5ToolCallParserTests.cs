namespace ToolFlow.StreamParsers.Tests;

public sealed class Step3p5ToolCallParserTests
{
    [Fact]
    public void Append_ReasoningThenTypedCall_Read()
    {
        ToolCallParserOptions options = XmlParameterCallReaderTests.WithSchemas(("magic", """{"type": "object", "properties": {"ref": {"type": "integer"}, "name": {"type": "string"}}}"""));
        const string Input = "Test negative\n</think>\n<tool_call>\n<function=magic>\n<parameter=ref>\n-14\n</parameter>\n<parameter=name>\n\n</parameter>\n</function>\n</tool_call>";

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(() => new Step3p5ToolCallParser(options), Input);

        Assert.Equal("Test negative\n", observer.Reasoning);
        XmlParameterCallReaderTests.AssertJson("""{"ref": -14, "name": ""}""", Assert.Single(observer.Calls));
        Assert.Equal("step3p5", new Step3p5ToolCallParser().Format);
    }
}
