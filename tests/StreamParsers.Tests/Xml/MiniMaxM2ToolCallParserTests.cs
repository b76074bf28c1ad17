namespace ToolFlow.StreamParsers.Tests;

public sealed class MiniMaxM2ToolCallParserTests
{
    private static readonly ToolCallParserOptions s_options = XmlParameterCallReaderTests.WithSchemas(
        ("get_weather", """{"type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"}}}"""));

    private static readonly Func<ToolCallTextParser> s_create = () => new MiniMaxM2ToolCallParser(s_options);

    [Fact]
    public void Append_SeveralInvokesInOneBlock_EachCompletesAtItsEndTag()
    {
        const string First = "<minimax:tool_call>\n<invoke name=\"get_weather\">\n<parameter name=\"city\">Paris</parameter>\n<parameter name=\"days\">2</parameter>\n</invoke>";
        string input = First + "\n<invoke name=\"now\">\n</invoke>\n</minimax:tool_call>Done.";

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, input);

        XmlParameterCallReaderTests.AssertCalls("""get_weather {"city": "Paris", "days": 2} | now {}""", observer);
        Assert.Equal(First.Length, observer.Calls[0].Offset);
        Assert.Equal("Done.", observer.Text);
    }

    [Fact]
    public void Append_ReasoningThenCall_ReasoningReported()
    {
        const string Input = "<think>I'm\nthinking</think><minimax:tool_call><invoke name=\"f\"><parameter name=\"arg1\">1</parameter></invoke></minimax:tool_call>Hello";

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, Input);

        Assert.Equal("I'm\nthinking", observer.Reasoning);
        Assert.Equal("Hello", observer.Text);
        XmlParameterCallReaderTests.AssertCalls("""f {"arg1": 1}""", observer);
    }

    [Fact]
    public void Append_InvokeWithoutName_TextAndDiagnostic()
    {
        const string Input = "<minimax:tool_call><invoke name=\"\"></invoke></minimax:tool_call>";

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, Input);

        Assert.Empty(observer.Calls);
        Assert.Contains(ParserDiagnosticCodes.CallMissingName, observer.DiagnosticCodes);
        Assert.Equal(Input, observer.Text);
    }
}
