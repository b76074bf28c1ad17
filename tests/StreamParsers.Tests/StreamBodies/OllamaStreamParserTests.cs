namespace ToolFlow.StreamParsers.Tests;

public sealed class OllamaStreamParserTests
{
    private static readonly Func<ToolCallTextParser> s_create = () => new OllamaStreamParser();

    [Fact]
    public void Append_NewlineDelimitedChat_ReportsWholeCallsInTheirLine()
    {
        string callLine = """{"model":"qwen3","message":{"role":"assistant","content":"","tool_calls":[{"id":"call_1","function":{"index":0,"name":"get_weather","arguments":{"city":"Toronto"}}},{"function":{"name":"add","arguments":"{\"a\":1}"}}]},"done":false}""";
        string body = string.Join(
            "\n",
            """{"model":"qwen3","message":{"role":"assistant","content":"","thinking":"Weather?"},"done":false}""",
            """{"model":"qwen3","message":{"role":"assistant","content":"Sure."},"done":false}""",
            callLine,
            """{"model":"qwen3","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop"}""") + "\n";

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, body);

        Assert.Equal(
            [(0, "call_1", "get_weather", """{"city":"Toronto"}"""), (1, (string?)null, "add", """{"a":1}""")],
            observer.Calls.Select(c => (c.Index, c.Id, c.Name, c.ArgumentsJson)));
        Assert.All(observer.Calls, c => Assert.Equal(body.IndexOf(callLine, StringComparison.Ordinal) + callLine.Length, c.Offset));
        Assert.Equal("Sure.", observer.Text);
        Assert.Equal("Weather?", observer.Reasoning);
        Assert.Empty(observer.Diagnostics);
    }

    [Fact]
    public void Append_DoneReasonLength_IsReported()
    {
        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, """{"message":{"content":"a"},"done":true,"done_reason":"length"}""");

        Assert.Equal([ProviderStreamDiagnosticCodes.ResponseStopped], observer.DiagnosticCodes);
    }

    [Fact]
    public void Complete_BeforeDone_ReportsTruncation()
    {
        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, "{\"message\":{\"content\":\"a\"},\"done\":false}\n{\"message\":{\"con");

        Assert.Equal("a", observer.Text);
        Assert.Equal([ProviderStreamDiagnosticCodes.EventInvalidJson, ProviderStreamDiagnosticCodes.StreamTruncated], observer.DiagnosticCodes);
    }

    [Fact]
    public void Append_ArgumentsDeeperThanAllowed_AbortsTheCall()
    {
        var options = new ToolCallParserOptions { MaxDepth = 2 };
        string body = """{"message":{"tool_calls":[{"function":{"name":"deep","arguments":{"a":{"b":{"c":1}}}}}]},"done":true}""";

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(() => new OllamaStreamParser(options), body);

        Assert.Empty(observer.Calls);
        Assert.Equal([0], observer.Aborted);
        Assert.Equal([ParserDiagnosticCodes.ArgumentsTooDeep], observer.DiagnosticCodes);
    }
}
