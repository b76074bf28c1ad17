namespace ToolFlow.StreamParsers.Tests;

public sealed class DeepSeekV32ToolCallParserTests
{
    private const string Open = "<｜DSML｜function_calls>";
    private const string Close = "</｜DSML｜function_calls>";

    private static readonly ToolCallParserOptions s_options = XmlParameterCallReaderTests.WithSchemas(
        ("search", """{"type": "object", "properties": {"query": {"type": "string"}, "topn": {"type": "integer"}, "filters": {"type": "object"}}}"""));

    private static readonly Func<ToolCallTextParser> s_create = () => new DeepSeekV32ToolCallParser(s_options);

    [Fact]
    public void Append_JsonBody_CompletesWhenTheObjectCloses()
    {
        string first = Open + "\n<｜DSML｜invoke name=\"search\">\n{\"query\": \"a } b\", \"topn\": 3}";
        string input = first + "\n</｜DSML｜invoke>\n<｜DSML｜invoke name=\"now\"/>\n" + Close + "done";

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, input);

        Assert.Equal(2, observer.Calls.Count);
        Assert.Equal(first.Length, observer.Calls[0].Offset);
        Assert.Equal(ToolCallCompletionReason.JsonClosed, observer.Calls[0].Reason);
        XmlParameterCallReaderTests.AssertJson("""{"query": "a } b", "topn": 3}""", observer.Calls[0]);
        Assert.Equal("now", observer.Calls[1].Name);
        Assert.Equal(ToolCallCompletionReason.EndMarker, observer.Calls[1].Reason);
        XmlParameterCallReaderTests.AssertJson("{}", observer.Calls[1]);
        Assert.Equal("done", observer.Text);
    }

    [Fact]
    public void Append_StringAttribute_DecidesBetweenTextAndTypedValue()
    {
        string input = Open + "\n<｜DSML｜invoke name=\"search\">\n" +
            "<｜DSML｜parameter name=\"query\" string=\"true\">42</｜DSML｜parameter>\n" +
            "<｜DSML｜parameter name=\"topn\" string=\"false\">10</｜DSML｜parameter>\n" +
            "<｜DSML｜parameter name=\"filters\" string=\"false\">{\"lang\": \"en\"}</｜DSML｜parameter>\n" +
            "<｜DSML｜parameter name=\"other\" string=\"false\">[true]</｜DSML｜parameter>\n" +
            "</｜DSML｜invoke>\n" + Close;

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, input);

        XmlParameterCallReaderTests.AssertJson("""{"query": "42", "topn": 10, "filters": {"lang": "en"}, "other": [true]}""", Assert.Single(observer.Calls));
    }

    [Fact]
    public void Append_MalformedJsonBody_TextAndDiagnostic()
    {
        string input = Open + "\n<｜DSML｜invoke name=\"search\">\n{\"query\": oops}\n</｜DSML｜invoke>\n" + Close;

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, input);

        Assert.Empty(observer.Calls);
        Assert.Equal([0], observer.Aborted);
        Assert.Contains(ParserDiagnosticCodes.CallInvalidJson, observer.DiagnosticCodes);
        Assert.Equal(input, observer.Text);
    }

    [Fact]
    public void Append_TextBeforeLoneThinkEnd_IsReasoning()
    {
        string input = "Let me search.</think>Searching.\n\n" + Open + "\n<｜DSML｜invoke name=\"now\"/>\n" + Close;

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, input);

        Assert.Equal("Let me search.", observer.Reasoning);
        Assert.Equal("Searching.\n\n", observer.Text);
        Assert.Equal("now", Assert.Single(observer.Calls).Name);
    }
}
