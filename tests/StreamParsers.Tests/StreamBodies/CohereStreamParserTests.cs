using System.Text.Json;

namespace ToolFlow.StreamParsers.Tests;

public sealed class CohereStreamParserTests
{
    private static readonly Func<ToolCallTextParser> s_create = () => new CohereStreamParser();

    private static string Events(params string[] payloads) =>
        string.Concat(payloads.Select(p => $"event: {JsonDocument.Parse(p).RootElement.GetProperty("type").GetString()}\ndata: {p}\n\n"));

    private static string CallStart(int index, string id, string name, string arguments) =>
        "{\"type\":\"tool-call-start\",\"index\":" + index + ",\"delta\":{\"message\":{\"tool_calls\":{\"id\":\"" + id +
        "\",\"type\":\"function\",\"function\":{\"name\":\"" + name + "\",\"arguments\":" + JsonSerializer.Serialize(arguments) + "}}}}}";

    private static string CallDelta(int index, string arguments) =>
        "{\"type\":\"tool-call-delta\",\"index\":" + index + ",\"delta\":{\"message\":{\"tool_calls\":{\"function\":{\"arguments\":" +
        JsonSerializer.Serialize(arguments) + "}}}}}";

    [Fact]
    public void Append_StreamedArguments_CompleteInTheDeltaThatClosesThem()
    {
        string closing = CallDelta(0, "\"Paris\"}");
        string body = Events(
            """{"type":"message-start","delta":{"message":{"role":"assistant"}}}""",
            """{"type":"tool-plan-delta","delta":{"message":{"tool_plan":"I will look it up."}}}""",
            CallStart(0, "c1", "get_weather", ""),
            CallDelta(0, "{\"city\": "),
            closing,
            """{"type":"tool-call-end","index":0}""",
            """{"type":"content-delta","index":0,"delta":{"message":{"content":{"text":"Done."}}}}""",
            """{"type":"message-end","delta":{"finish_reason":"TOOL_CALL"}}""");

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, body);

        ParsedToolCall call = Assert.Single(observer.Calls);
        Assert.Equal(("c1", "get_weather", """{"city": "Paris"}"""), (call.Id, call.Name, call.ArgumentsJson));
        string closingEvent = $"data: {closing}\n\n";
        Assert.Equal(body.IndexOf(closingEvent, StringComparison.Ordinal) + closingEvent.Length, call.Offset);
        Assert.Equal("I will look it up.", observer.Reasoning);
        Assert.Equal("Done.", observer.Text);
        Assert.Empty(observer.Diagnostics);
    }

    [Fact]
    public void Append_MaxTokensWithOpenArguments_AbortsTheCall()
    {
        string body = Events(
            CallStart(0, "c1", "write", "{\"text\": \"ab"),
            """{"type":"message-end","delta":{"finish_reason":"MAX_TOKENS"}}""");

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, body);

        Assert.Empty(observer.Calls);
        Assert.Equal([0], observer.Aborted);
        Assert.Equal([ProviderStreamDiagnosticCodes.ResponseStopped, ParserDiagnosticCodes.ArgumentsUnclosed], observer.DiagnosticCodes);
    }
}
