namespace ToolFlow.StreamParsers.Tests;

public sealed class AnthropicStreamParserTests
{
    private static readonly Func<ToolCallTextParser> s_create = () => new AnthropicStreamParser();

    private static string Events(params (string Type, string Data)[] events) =>
        string.Concat(events.Select(e => $"event: {e.Type}\ndata: {e.Data}\n\n"));

    private static (string, string) Start(int index, string block) =>
        ("content_block_start", $$$"""{"type":"content_block_start","index":{{{index}}},"content_block":{{{block}}}}""");

    private static (string, string) Json(int index, string partialJson) =>
        ("content_block_delta", $$$"""{"type":"content_block_delta","index":{{{index}}},"delta":{"type":"input_json_delta","partial_json":{{{System.Text.Json.JsonSerializer.Serialize(partialJson)}}}}}""");

    private static (string, string) Stop(int index) => ("content_block_stop", $$$"""{"type":"content_block_stop","index":{{{index}}}}""");

    private static (string, string) ToolUse(int index, string id, string name) =>
        Start(index, $$$"""{"type":"tool_use","id":"{{{id}}}","name":"{{{name}}}","input":{}}""");

    private static (string, string) MessageDelta(string stopReason) =>
        ("message_delta", $$$"""{"type":"message_delta","delta":{"stop_reason":"{{{stopReason}}}"}}""");

    [Fact]
    public void Append_ThinkingTextAndTwoToolUses_ReportsEachAsItCloses()
    {
        (string, string) closing = Json(2, "\"Paris\"}");
        string body = Events(
            Start(0, """{"type":"thinking","thinking":""}"""),
            ("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Weather first."}}"""),
            Stop(0),
            Start(1, """{"type":"text","text":"Checking."}"""),
            Stop(1),
            Start(2, """{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{}}"""),
            Json(2, "{\"city\": "),
            closing,
            Stop(2),
            Start(3, """{"type":"tool_use","id":"toolu_2","name":"now","input":{}}"""),
            Stop(3),
            MessageDelta("tool_use"),
            ("message_stop", """{"type":"message_stop"}"""));

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, body);

        Assert.Equal(
            [(0, "toolu_1", "get_weather", """{"city": "Paris"}""", ToolCallCompletionReason.JsonClosed), (1, "toolu_2", "now", "{}", ToolCallCompletionReason.EndMarker)],
            observer.Calls.Select(c => (c.Index, c.Id, c.Name, c.ArgumentsJson, c.Reason)));
        string closingEvent = $"data: {closing.Item2}\n\n";
        Assert.Equal(body.IndexOf(closingEvent, StringComparison.Ordinal) + closingEvent.Length, observer.Calls[0].Offset);
        Assert.Equal("Checking.", observer.Text);
        Assert.Equal("Weather first.", observer.Reasoning);
        Assert.Empty(observer.Diagnostics);
    }

    [Fact]
    public void Append_MaxTokensBeforeAnyInput_AbortsTheCall()
    {
        string body = Events(Start(0, """{"type":"tool_use","id":"toolu_1","name":"now","input":{}}"""), MessageDelta("max_tokens"));

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, body);

        Assert.Empty(observer.Calls);
        Assert.Equal([0], observer.Aborted);
        Assert.Equal([ProviderStreamDiagnosticCodes.ResponseStopped, ParserDiagnosticCodes.CallUnterminated], observer.DiagnosticCodes);
    }

    [Fact]
    public void Append_ServerToolUseBeforeToolUse_IsADiagnosticAndTheCallIsFirst()
    {
        string body = Events(
            Start(0, """{"type":"server_tool_use","id":"srvtoolu_1","name":"web_search","input":{}}"""),
            Json(0, "{\"query\": \"news\"}"),
            Stop(0),
            Start(1, """{"type":"tool_use","id":"toolu_1","name":"save","input":{}}"""),
            Json(1, "{\"text\": \"news\"}"),
            Stop(1),
            MessageDelta("tool_use"));

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, body);

        ParsedToolCall call = Assert.Single(observer.Calls);
        Assert.Equal((0, "save"), (call.Index, call.Name));
        ParserDiagnostic diagnostic = Assert.Single(observer.Diagnostics);
        Assert.Equal(ProviderStreamDiagnosticCodes.ProviderToolCall, diagnostic.Code);
        Assert.Contains("web_search", diagnostic.Message, StringComparison.Ordinal);
        Assert.Contains("{\"query\": \"news\"}", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Append_ToolUseWithWholeInputAndNoDeltas_CompletesWithThatInputAtItsStop()
    {
        string body = Events(Start(0, """{"type":"tool_use","id":"toolu_1","name":"add","input":{"a":1,"b":2}}"""), Stop(0), MessageDelta("tool_use"));

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, body);

        ParsedToolCall call = Assert.Single(observer.Calls);
        Assert.Equal("""{"a":1,"b":2}""", call.ArgumentsJson);
    }

    [Fact]
    public void Append_ErrorEvent_ReportsProviderErrorAndTruncation()
    {
        string body = Events(("error", """{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"""));

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, body);

        Assert.Equal([ProviderStreamDiagnosticCodes.ProviderError, ProviderStreamDiagnosticCodes.StreamTruncated], observer.DiagnosticCodes);
        Assert.Contains("Overloaded", observer.Diagnostics[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Append_ToolUseBlocksStartedBeforeTheirInput_EachRoutedByBlockIndex()
    {
        string body = Events(
            ToolUse(0, "toolu_a", "one"),
            ToolUse(1, "toolu_b", "two"),
            Json(1, "{\"n\": 1}"),
            Json(0, "{\"n\": "),
            Stop(1),
            Json(0, "0}"),
            Stop(0),
            MessageDelta("tool_use"));

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, body);

        Assert.Equal(
            [(1, "toolu_b", "two", """{"n": 1}"""), (0, "toolu_a", "one", """{"n": 0}""")],
            observer.Calls.Select(c => (c.Index, c.Id, c.Name, c.ArgumentsJson)));
        Assert.All(observer.Calls, c => Assert.Equal(ToolCallCompletionReason.JsonClosed, c.Reason));
        Assert.Empty(observer.Diagnostics);
    }

    [Fact]
    public void Append_SecondBlockStartsWhileFirstStreams_FirstResumesAndBothComplete()
    {
        string body = Events(
            ToolUse(0, "toolu_a", "get_weather"),
            Json(0, "{\"city\": "),
            ToolUse(1, "toolu_b", "now"),
            Stop(1),
            Json(0, "\"Paris\"}"),
            Stop(0),
            MessageDelta("tool_use"));

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, body);

        Assert.Equal(
            [(1, "now", "{}", ToolCallCompletionReason.EndMarker), (0, "get_weather", """{"city": "Paris"}""", ToolCallCompletionReason.JsonClosed)],
            observer.Calls.Select(c => (c.Index, c.Name, c.ArgumentsJson, c.Reason)));
        Assert.Empty(observer.Diagnostics);
    }

    [Fact]
    public void Append_InterleavedBlocksUnclosedAtStopReason_EmptyOneCompletesAndUnclosedOneIsAborted()
    {
        string body = Events(
            ToolUse(0, "toolu_a", "write"),
            ToolUse(1, "toolu_b", "now"),
            Json(0, "{\"text\": \"ab"),
            MessageDelta("tool_use"));

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, body);

        ParsedToolCall call = Assert.Single(observer.Calls);
        Assert.Equal((1, "now", "{}", ToolCallCompletionReason.ProviderStop), (call.Index, call.Name, call.ArgumentsJson, call.Reason));
        Assert.Equal([0], observer.Aborted);
        Assert.Equal([ParserDiagnosticCodes.ArgumentsUnclosed], observer.DiagnosticCodes);
    }
}
