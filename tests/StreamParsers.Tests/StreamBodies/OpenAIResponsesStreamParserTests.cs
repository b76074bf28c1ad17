namespace ToolFlow.StreamParsers.Tests;

public sealed class OpenAIResponsesStreamParserTests
{
    private static readonly Func<ToolCallTextParser> s_create = () => new OpenAIResponsesStreamParser();

    private static string Events(params string[] payloads) =>
        string.Concat(payloads.Select(p => $"event: {System.Text.Json.JsonDocument.Parse(p).RootElement.GetProperty("type").GetString()}\ndata: {p}\n\n"));

    private static string Added(int index, string callId, string name) =>
        $$$"""{"type":"response.output_item.added","output_index":{{{index}}},"item":{"type":"function_call","id":"fc_{{{index}}}","call_id":"{{{callId}}}","name":"{{{name}}}","arguments":""}}""";

    private static string ArgumentsDelta(string itemId, string delta) =>
        $$$"""{"type":"response.function_call_arguments.delta","item_id":"{{{itemId}}}","delta":{{{System.Text.Json.JsonSerializer.Serialize(delta)}}}}""";

    private static string ArgumentsDone(int index, string arguments) =>
        $$$"""{"type":"response.function_call_arguments.done","output_index":{{{index}}},"item_id":"fc_{{{index}}}","arguments":{{{System.Text.Json.JsonSerializer.Serialize(arguments)}}}}""";

    [Fact]
    public void Append_TwoFunctionCalls_CompleteWhenArgumentsCloseOrAtDone()
    {
        string body = Events(
            """{"type":"response.reasoning_summary_text.delta","delta":"Plan."}""",
            """{"type":"response.output_text.delta","delta":"On it."}""",
            Added(1, "call_a", "get_weather"),
            ArgumentsDelta("fc_1", "{\"city\":"),
            ArgumentsDelta("fc_1", "\"Paris\"}"),
            ArgumentsDone(1, "{\"city\":\"Paris\"}"),
            Added(2, "call_b", "now"),
            ArgumentsDone(2, ""),
            """{"type":"response.completed","response":{"status":"completed"}}""");

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, body);

        Assert.Equal(
            [(0, "call_a", "get_weather", """{"city":"Paris"}""", ToolCallCompletionReason.JsonClosed), (1, "call_b", "now", "{}", ToolCallCompletionReason.EndMarker)],
            observer.Calls.Select(c => (c.Index, c.Id, c.Name, c.ArgumentsJson, c.Reason)));
        Assert.Equal("On it.", observer.Text);
        Assert.Equal("Plan.", observer.Reasoning);
        Assert.Empty(observer.Diagnostics);
    }

    [Fact]
    public void Append_ArgumentsOnlyInDoneEvent_CompleteThere()
    {
        string body = Events(Added(0, "call_a", "add"), ArgumentsDone(0, "{\"a\":1}"), """{"type":"response.completed"}""");

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, body);

        Assert.Equal("{\"a\":1}", Assert.Single(observer.Calls).ArgumentsJson);
    }

    [Fact]
    public void Append_ResponseIncomplete_AbortsTheOpenCall()
    {
        string body = Events(
            Added(0, "call_a", "write"),
            ArgumentsDelta("fc_0", "{\"text\": \"ab"),
            """{"type":"response.incomplete","response":{"incomplete_details":{"reason":"max_output_tokens"}}}""");

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, body);

        Assert.Empty(observer.Calls);
        Assert.Equal([0], observer.Aborted);
        Assert.Equal([ProviderStreamDiagnosticCodes.ResponseStopped, ParserDiagnosticCodes.ArgumentsUnclosed], observer.DiagnosticCodes);
        Assert.Contains("max_output_tokens", observer.Diagnostics[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Append_HostedToolItem_IsADiagnosticNotACall()
    {
        string body = Events(
            """{"type":"response.output_item.added","output_index":0,"item":{"type":"web_search_call","id":"ws_1","status":"in_progress"}}""",
            """{"type":"response.output_item.done","output_index":0,"item":{"type":"web_search_call","id":"ws_1","status":"completed"}}""",
            """{"type":"response.completed"}""");

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, body);

        Assert.Empty(observer.Calls);
        Assert.Equal([ProviderStreamDiagnosticCodes.ProviderToolCall], observer.DiagnosticCodes);
    }

    [Fact]
    public void Append_ResponseFailed_ReportsTheError()
    {
        string body = Events("""{"type":"response.failed","response":{"error":{"code":"server_error","message":"Something broke"}}}""");

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, body);

        ParserDiagnostic diagnostic = Assert.Single(observer.Diagnostics);
        Assert.Equal(ProviderStreamDiagnosticCodes.ProviderError, diagnostic.Code);
        Assert.Contains("Something broke", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Append_ItemsAddedBeforeTheirArguments_EachRoutedByItemIdAndCompletedWhenItCloses()
    {
        string body = Events(
            Added(0, "call_a", "one"),
            Added(1, "call_b", "two"),
            Added(2, "call_c", "three"),
            ArgumentsDelta("fc_2", "{\"n\": "),
            ArgumentsDelta("fc_0", "{\"n\": 0}"),
            ArgumentsDelta("fc_1", "{\"n\": 1}"),
            ArgumentsDelta("fc_2", "2}"),
            ArgumentsDone(0, "{\"n\": 0}"),
            ArgumentsDone(1, "{\"n\": 1}"),
            ArgumentsDone(2, "{\"n\": 2}"),
            """{"type":"response.completed"}""");

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, body);

        Assert.Equal(
            [(0, "call_a", "one", """{"n": 0}"""), (1, "call_b", "two", """{"n": 1}"""), (2, "call_c", "three", """{"n": 2}""")],
            observer.Calls.Select(c => (c.Index, c.Id, c.Name, c.ArgumentsJson)));
        Assert.All(observer.Calls, c => Assert.Equal(ToolCallCompletionReason.JsonClosed, c.Reason));
        Assert.Empty(observer.Diagnostics);
    }

    [Fact]
    public void Append_SecondItemStartsWhileFirstStreams_SecondCompletesFirstThenFirstResumes()
    {
        string body = Events(
            Added(0, "call_a", "get_weather"),
            ArgumentsDelta("fc_0", "{\"city\": "),
            Added(1, "call_b", "search"),
            ArgumentsDelta("fc_1", "{\"q\": \"x\"}"),
            ArgumentsDelta("fc_0", "\"Paris\"}"),
            ArgumentsDone(1, "{\"q\": \"x\"}"),
            ArgumentsDone(0, "{\"city\": \"Paris\"}"),
            """{"type":"response.completed"}""");

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, body);

        Assert.Equal(
            [(1, "search", """{"q": "x"}"""), (0, "get_weather", """{"city": "Paris"}""")],
            observer.Calls.Select(c => (c.Index, c.Name, c.ArgumentsJson)));
        Assert.Empty(observer.Diagnostics);
    }

    [Fact]
    public void Append_InterleavedItemsUnclosedAtCompleted_EmptyOneCompletesAndUnclosedOneIsAborted()
    {
        string body = Events(
            Added(0, "call_a", "write"),
            Added(1, "call_b", "now"),
            ArgumentsDelta("fc_0", "{\"text\": \"ab"),
            """{"type":"response.completed"}""");

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, body);

        ParsedToolCall call = Assert.Single(observer.Calls);
        Assert.Equal((1, "now", "{}", ToolCallCompletionReason.ProviderStop), (call.Index, call.Name, call.ArgumentsJson, call.Reason));
        Assert.Equal([0], observer.Aborted);
        Assert.Equal([ParserDiagnosticCodes.ArgumentsUnclosed], observer.DiagnosticCodes);
    }
}
