namespace ToolFlow.StreamParsers.Tests;

public sealed class MiniMaxM3ToolCallParserTests
{
    private const string T = "]<]minimax[>[";

    private static readonly ToolCallParserOptions s_options = XmlParameterCallReaderTests.WithSchemas(
        ("nested", """
            {"type": "object", "properties": {
                "tags": {"type": "array", "items": {"type": "string"}},
                "entries": {"type": "array", "items": {"type": "object", "properties": {"id": {"type": "integer"}, "label": {"type": "string"}}}},
                "point": {"type": "object", "properties": {"x": {"type": "number"}}},
                "label": {"oneOf": [{"type": "string"}, {"type": "object"}]},
                "limit": {"oneOf": [{"type": "integer"}, {"type": "object", "properties": {"max": {"type": "integer"}}}]}}}
            """));

    private static readonly Func<ToolCallTextParser> s_create = () => new MiniMaxM3ToolCallParser(s_options);

    [Fact]
    public void Append_NestedElements_ReadByTheSchema()
    {
        string input = $"{T}<tool_call>\n{T}<invoke name=\"nested\">" +
            $"{T}<tags>{T}<item>a{T}</item>{T}<item>b{T}</item>{T}</tags>" +
            $"{T}<entries>{T}<item>{T}<id>1{T}</id>{T}<label>one{T}</label>{T}</item>{T}</entries>" +
            $"{T}<point>{T}<x>-2.5{T}</x>{T}</point>" +
            $"{T}<label>{T}<text>hi{T}</text>{T}</label>" +
            $"{T}<limit>{T}<max>10{T}</max>{T}</limit>" +
            $"{T}</invoke>\n{T}</tool_call>";

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, input);

        XmlParameterCallReaderTests.AssertJson(
            """{"tags": ["a", "b"], "entries": [{"id": 1, "label": "one"}], "point": {"x": -2.5}, "label": "T<text>hiT</text>", "limit": {"max": 10}}""".Replace("T<", T + "<", StringComparison.Ordinal),
            Assert.Single(observer.Calls));
    }

    [Fact]
    public void Append_ScalarInUnion_TypedAsTheScalar()
    {
        string input = $"<mm:think>Union</mm:think>{T}<tool_call>\n{T}<invoke name=\"nested\">{T}<limit>5{T}</limit>{T}</invoke>\n{T}</tool_call>";

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, input);

        XmlParameterCallReaderTests.AssertJson("""{"limit": 5}""", Assert.Single(observer.Calls));
        Assert.Equal("Union", observer.Reasoning);
        Assert.Equal(string.Empty, observer.Text);
    }

    [Fact]
    public void Append_UnknownToolWithItems_ArrayWithoutSchema()
    {
        string input = $"{T}<tool_call>{T}<invoke name=\"other\">{T}<list>{T}<item>1{T}</item>{T}<item>x{T}</item>{T}</list>{T}<obj>{T}<k>true{T}</k>{T}</obj>{T}</invoke>{T}</tool_call>";

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, input);

        XmlParameterCallReaderTests.AssertJson("""{"list": [1, "x"], "obj": {"k": true}}""", Assert.Single(observer.Calls));
    }

    [Fact]
    public void Append_ClosingTagWhereParameterOpens_TextAndDiagnostic()
    {
        string input = $"{T}<tool_call>{T}<invoke name=\"f\">{T}</x>{T}</invoke>{T}</tool_call>";

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, input);

        Assert.Empty(observer.Calls);
        Assert.Equal([0], observer.Aborted);
        Assert.Equal(input, observer.Text);
    }
}
