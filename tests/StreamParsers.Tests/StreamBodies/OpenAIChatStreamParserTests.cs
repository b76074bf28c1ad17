namespace ToolFlow.StreamParsers.Tests;

public sealed class OpenAIChatStreamParserTests
{
    private static readonly Func<ToolCallTextParser> s_create = () => new OpenAIChatStreamParser();

    internal static string Sse(params string[] payloads) => string.Concat(payloads.Select(p => $"data: {p}\n\n"));

    private static string Delta(string delta, string? finishReason = null) =>
        "{\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"finish_reason\":" + (finishReason is null ? "null" : "\"" + finishReason + "\"") + "}]}";

    [Fact]
    public void Append_CallArgumentsClose_CompletesAtTheEndOfThatEvent()
    {
        string closing = Delta("""{"tool_calls":[{"index":0,"function":{"arguments":"\"Paris\"}"}}]}""");
        string body = Sse(
            Delta("""{"reasoning_content":"Think."}"""),
            Delta("""{"content":"Let me look."}"""),
            Delta("""{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\": "}}]}"""),
            closing,
            Delta("{}", "tool_calls"),
            "[DONE]");

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, body);

        ParsedToolCall call = Assert.Single(observer.Calls);
        Assert.Equal(("call_1", "get_weather", """{"city": "Paris"}"""), (call.Id, call.Name, call.ArgumentsJson));
        Assert.Equal(ToolCallCompletionReason.JsonClosed, call.Reason);
        Assert.Equal(body.IndexOf(closing, StringComparison.Ordinal) + closing.Length + 2, call.Offset);
        Assert.Equal("Let me look.", observer.Text);
        Assert.Equal("Think.", observer.Reasoning);
        Assert.Empty(observer.Diagnostics);
    }

    [Fact]
    public void Append_ParallelCallsWithoutIndex_SeparatesThemById()
    {
        string body = Sse(
            Delta("""{"tool_calls":[{"id":"a","function":{"name":"one","arguments":"{}"}},{"id":"b","function":{"name":"two","arguments":"{\"x\":1}"}}]}""", "tool_calls"));

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, body);

        Assert.Equal([("a", "one", "{}"), ("b", "two", """{"x":1}""")], observer.Calls.Select(c => (c.Id, c.Name, c.ArgumentsJson)));
    }

    [Fact]
    public void Append_CallWithoutArgumentsAtFinish_CompletesWithEmptyObject()
    {
        string body = Sse(Delta("""{"tool_calls":[{"index":3,"id":"c","function":{"name":"now","arguments":""}}]}"""), Delta("{}", "tool_calls"));

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, body);

        ParsedToolCall call = Assert.Single(observer.Calls);
        Assert.Equal(("now", "{}", ToolCallCompletionReason.ProviderStop, (long)body.Length), (call.Name, call.ArgumentsJson, call.Reason, call.Offset));
    }

    [Fact]
    public void Append_FinishReasonLength_AbortsOpenCallsEvenWithoutArguments()
    {
        string body = Sse(
            Delta("""{"tool_calls":[{"index":0,"id":"a","function":{"name":"write","arguments":"{\"text\": \"abc"}}]}"""),
            Delta("""{"tool_calls":[{"index":1,"id":"b","function":{"name":"now","arguments":""}}]}"""),
            Delta("{}", "length"));

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, body);

        Assert.Empty(observer.Calls);
        Assert.Equal([0, 1], observer.Aborted.Order());
        Assert.Contains(ProviderStreamDiagnosticCodes.ResponseStopped, observer.DiagnosticCodes);
        Assert.Contains(ParserDiagnosticCodes.ArgumentsUnclosed, observer.DiagnosticCodes);
        Assert.Contains(ParserDiagnosticCodes.CallUnterminated, observer.DiagnosticCodes);
    }

    [Fact]
    public void Complete_BodyEndsWithoutFinishReason_ReportsTruncationAndAbortsOpenCall()
    {
        string body = Sse(Delta("""{"tool_calls":[{"index":0,"id":"a","function":{"name":"now","arguments":""}}]}"""));

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, body);

        Assert.Empty(observer.Calls);
        Assert.Equal([0], observer.Aborted);
        Assert.Equal([ProviderStreamDiagnosticCodes.StreamTruncated, ParserDiagnosticCodes.CallUnterminated], observer.DiagnosticCodes);
    }

    [Fact]
    public void Append_ToolCallAfterFinish_IsIgnoredWithDiagnostic()
    {
        string body = Sse(Delta("{}", "stop"), Delta("""{"tool_calls":[{"index":0,"id":"a","function":{"name":"late","arguments":"{}"}}]}"""));

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, body);

        Assert.Empty(observer.Calls);
        Assert.Equal([ProviderStreamDiagnosticCodes.CallAfterEnd], observer.DiagnosticCodes);
    }

    [Fact]
    public void Append_SecondChoice_IsIgnoredWithOneDiagnostic()
    {
        string body = Sse(
            """{"choices":[{"index":0,"delta":{"content":"A"}},{"index":1,"delta":{"content":"B"}}]}""",
            """{"choices":[{"index":1,"delta":{"content":"B"}}]}""",
            Delta("{}", "stop"));

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, body);

        Assert.Equal("A", observer.Text);
        Assert.Equal([ProviderStreamDiagnosticCodes.ChoiceIgnored], observer.DiagnosticCodes);
    }

    [Fact]
    public void Append_MistralContentParts_ReportsTextAndReasoning()
    {
        string body = Sse(
            Delta("""{"content":[{"type":"thinking","thinking":[{"type":"text","text":"Hmm."}]},{"type":"text","text":"Hi"}]}"""),
            Delta("""{"content":"!"}""", "stop"));

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(() => new OpenAIChatStreamParser("mistral-chat", null), body);

        Assert.Equal("Hi!", observer.Text);
        Assert.Equal("Hmm.", observer.Reasoning);
    }

    [Fact]
    public void Append_ErrorEvent_ReportsProviderError()
    {
        string body = Sse("""{"error":{"message":"Rate limit reached","type":"requests"}}""");

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, body);

        ParserDiagnostic diagnostic = observer.Diagnostics[0];
        Assert.Equal(ProviderStreamDiagnosticCodes.ProviderError, diagnostic.Code);
        Assert.Contains("Rate limit reached", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Append_MoreCallsThanAllowed_DropsTheExtraOnes()
    {
        var options = new ToolCallParserOptions { MaxCallsPerResponse = 1 };
        string body = Sse(
            Delta("""{"tool_calls":[{"index":0,"id":"a","function":{"name":"one","arguments":"{}"}}]}"""),
            Delta("""{"tool_calls":[{"index":1,"id":"b","function":{"name":"two","arguments":"{}"}}]}""", "tool_calls"));

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(() => new OpenAIChatStreamParser(options), body);

        Assert.Equal(["one"], observer.Calls.Select(c => c.Name));
        Assert.Equal([ParserDiagnosticCodes.TooManyCalls], observer.DiagnosticCodes);
    }

    [Fact]
    public void Append_ArgumentsOverTheLimit_AbortsTheCall()
    {
        var options = new ToolCallParserOptions { MaxArgumentsLength = 8 };
        string body = Sse(Delta("""{"tool_calls":[{"index":0,"id":"a","function":{"name":"one","arguments":"{\"text\": \"long\"}"}}]}""", "tool_calls"));

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(() => new OpenAIChatStreamParser(options), body);

        Assert.Empty(observer.Calls);
        Assert.Equal([0], observer.Aborted);
        Assert.Equal([ParserDiagnosticCodes.ArgumentsTooLong], observer.DiagnosticCodes);
    }

    [Fact]
    public void Append_PrettyPrintedNonStreamingResponse_ReadsTheMessage()
    {
        string body = """
            {
              "id": "chatcmpl-1",
              "choices": [
                {
                  "index": 0,
                  "message": {
                    "role": "assistant",
                    "content": "Let me check.",
                    "tool_calls": [
                      {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}
                    ]
                  },
                  "finish_reason": "tool_calls"
                }
              ]
            }

            """;

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, body);

        ParsedToolCall call = Assert.Single(observer.Calls);
        Assert.Equal(("call_1", "get_weather", """{"city": "Paris"}"""), (call.Id, call.Name, call.ArgumentsJson));
        Assert.Equal(body.TrimEnd().Length, call.Offset);
        Assert.Equal("Let me check.", observer.Text);
        Assert.Empty(observer.Diagnostics);
    }

    // A server that announces every call first (empty arguments), then streams the arguments of each in turn.
    internal static string HeadersFirstBody(int calls)
    {
        var events = new List<string>();
        for (int i = 0; i < calls; i++)
        {
            events.Add(Delta($$$"""{"tool_calls":[{"index":{{{i}}},"id":"call_{{{i}}}","type":"function","function":{"name":"tool_{{{i}}}","arguments":""}}]}"""));
        }

        for (int i = 0; i < calls; i++)
        {
            events.Add(Delta($$$"""{"tool_calls":[{"index":{{{i}}},"function":{"arguments":"{\"n\": "}}]}"""));
            events.Add(Delta($$$"""{"tool_calls":[{"index":{{{i}}},"function":{"arguments":"{{{i}}}}"}}]}"""));
        }

        events.Add(Delta("{}", "tool_calls"));
        events.Add("[DONE]");
        return Sse([.. events]);
    }

    [Fact]
    public void Append_EightCallsAnnouncedBeforeTheirArguments_EachCompletesWithItsArgumentsWhenTheyClose()
    {
        string body = HeadersFirstBody(8);

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, body);

        Assert.Equal(
            Enumerable.Range(0, 8).Select(i => (i, (string?)$"call_{i}", $"tool_{i}", $$"""{"n": {{i}}}""", ToolCallCompletionReason.JsonClosed)),
            observer.Calls.Select(c => (c.Index, c.Id, c.Name, c.ArgumentsJson, c.Reason)));
        Assert.All(observer.Calls, c => Assert.True(c.IsValid));
        Assert.Empty(observer.Diagnostics);
        Assert.Empty(observer.Aborted);
    }

    [Fact]
    public void Append_SecondCallStartsWhileFirstStreams_SecondCompletesFirstThenFirstResumes()
    {
        string secondCloses = Delta("""{"tool_calls":[{"index":1,"id":"b","function":{"name":"search","arguments":"{\"q\": \"x\"}"}}]}""");
        string firstCloses = Delta("""{"tool_calls":[{"index":0,"function":{"arguments":"\"Paris\"}"}}]}""");
        string body = Sse(
            Delta("""{"tool_calls":[{"index":0,"id":"a","function":{"name":"get_weather","arguments":"{\"city\": "}}]}"""),
            secondCloses,
            firstCloses,
            Delta("{}", "tool_calls"));

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, body);

        // Completion order: the second call's JSON closed while the first was still open.
        Assert.Equal(
            [(1, "search", """{"q": "x"}""", EndOf(body, secondCloses)), (0, "get_weather", """{"city": "Paris"}""", EndOf(body, firstCloses))],
            observer.Calls.Select(c => (c.Index, c.Name, c.ArgumentsJson, c.Offset)));
        Assert.Empty(observer.Diagnostics);
    }

    [Fact]
    public void Append_InterleavedCallsOpenAtFinishReason_EmptyOneCompletesAndUnclosedOneIsAborted()
    {
        string body = Sse(
            Delta("""{"tool_calls":[{"index":0,"id":"a","function":{"name":"write","arguments":""}}]}"""),
            Delta("""{"tool_calls":[{"index":1,"id":"b","function":{"name":"now","arguments":""}}]}"""),
            Delta("""{"tool_calls":[{"index":0,"function":{"arguments":"{\"text\": \"ab"}}]}"""),
            Delta("{}", "tool_calls"));

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, body);

        ParsedToolCall call = Assert.Single(observer.Calls);
        Assert.Equal((1, "now", "{}", ToolCallCompletionReason.ProviderStop), (call.Index, call.Name, call.ArgumentsJson, call.Reason));
        Assert.Equal([0], observer.Aborted);
        Assert.Equal([ParserDiagnosticCodes.ArgumentsUnclosed], observer.DiagnosticCodes);
    }

    [Fact]
    public void Complete_InterleavedCallsOpenWhenTheBodyEnds_AllAborted()
    {
        string body = Sse(
            Delta("""{"tool_calls":[{"index":0,"id":"a","function":{"name":"write","arguments":"{\"text\": "}}]}"""),
            Delta("""{"tool_calls":[{"index":1,"id":"b","function":{"name":"now","arguments":""}}]}"""));

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, body);

        Assert.Empty(observer.Calls);
        Assert.Equal([0, 1], observer.Aborted.Order());
        Assert.Contains(ProviderStreamDiagnosticCodes.StreamTruncated, observer.DiagnosticCodes);
    }

    private static long EndOf(string body, string payload) => body.IndexOf(payload, StringComparison.Ordinal) + payload.Length + 2;
}
