using System.Text;

namespace ToolFlow.StreamParsers.Tests;

public sealed class OpenAIChatEventReaderTests
{
    private static bool Read(OpenAIChatEventReader reader, string json) => reader.TryRead(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void TryRead_UsualChunk_ReadsTextReasoningFragmentsAndFinishReason()
    {
        var reader = new OpenAIChatEventReader();

        bool read = Read(reader, """
            {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","reasoning_content":"Hm\u00e9","content":"a\"b\\n\u2603","refusal":null,
            "tool_calls":[{"index":1,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"ci"}},{"index":2,"function":{"arguments":null}}]},
            "logprobs":null,"finish_reason":"tool_calls"}],"usage":{"total_tokens":3,"details":[1,{"a":[]}]}}
            """);

        Assert.True(read);
        Assert.Equal("Hmé", reader.Reasoning.ToString());
        Assert.Equal("a\"b\\n\u2603", reader.Content.ToString());
        Assert.True(reader.Refusal.IsEmpty);
        Assert.Equal(
            [new ToolCallDelta(1, "call_1", "get_weather", "{\"ci"), new ToolCallDelta(2, null, null, null)],
            reader.Fragments.ToArray());
        Assert.Equal("tool_calls", reader.FinishReason);
    }

    [Fact]
    public void TryRead_NextEvent_ForgetsThePreviousOne()
    {
        var reader = new OpenAIChatEventReader();
        Assert.True(Read(reader, """{"choices":[{"delta":{"content":"one","tool_calls":[{"index":0}]},"finish_reason":"stop"}]}"""));

        Assert.True(Read(reader, """{"choices":[]}"""));

        Assert.True(reader.Content.IsEmpty);
        Assert.True(reader.Fragments.IsEmpty);
        Assert.Null(reader.FinishReason);
    }

    [Fact]
    public void TryRead_EmptyReasoningContent_DoesNotFallBackToReasoning()
    {
        var reader = new OpenAIChatEventReader();

        Assert.True(Read(reader, """{"choices":[{"delta":{"reasoning_content":"","reasoning":"other"}}]}"""));
        Assert.True(reader.Reasoning.IsEmpty);

        Assert.True(Read(reader, """{"choices":[{"delta":{"reasoning_content":null,"reasoning":"other"}}]}"""));
        Assert.Equal("other", reader.Reasoning.ToString());
    }

    [Fact]
    public void TryRead_TextThatIsNotAString_IsNoText()
    {
        var reader = new OpenAIChatEventReader();

        Assert.True(Read(reader, """{"choices":[{"delta":{"content":{"a":[1]},"refusal":7,"tool_calls":[{"index":0,"function":{"arguments":"{}"}}]}}]}"""));

        Assert.True(reader.Content.IsEmpty);
        Assert.True(reader.Refusal.IsEmpty);
        Assert.Equal([new ToolCallDelta(0, null, null, "{}")], reader.Fragments.ToArray());
    }

    [Fact]
    public void TryRead_LongText_GrowsItsBuffer()
    {
        var reader = new OpenAIChatEventReader();
        string text = new('x', 10_000);

        Assert.True(Read(reader, """{"choices":[{"delta":{"reasoning":"r","content":""" + "\"" + text + "\"" + ""","refusal":"no"}}]}"""));

        Assert.Equal(("r", text, "no"), (reader.Reasoning.ToString(), reader.Content.ToString(), reader.Refusal.ToString()));
    }

    [Theory]
    [InlineData("""{"choices":[{"delta":{"content":"a"}}""")]
    [InlineData("""{"choices":[{"delta":{"content":"a"}}]} x""")]
    [InlineData("""[{"choices":[]}]""")]
    [InlineData("""{"error":{"message":"boom"},"choices":[]}""")]
    [InlineData("""{"choices":[{"index":0,"delta":{}},{"index":1,"delta":{}}]}""")]
    [InlineData("""{"choices":[{"index":1,"delta":{"content":"b"}}]}""")]
    [InlineData("""{"choices":["x"]}""")]
    [InlineData("""{"choices":[{"message":{"content":"whole"}}]}""")]
    [InlineData("""{"choices":[{"delta":{"content":[{"type":"text","text":"a"}]}}]}""")]
    [InlineData("""{"choices":[{"delta":{"function_call":{"name":"f"}}}]}""")]
    [InlineData("""{"choices":[{"delta":{"content":"a","content":"b"}}]}""")]
    [InlineData("""{"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":{"a":1}}}]}}]}""")]
    [InlineData("""{"choices":[{"delta":{"tool_calls":[1]}}]}""")]
    [InlineData("""{"choices":[{"delta":{"tool_calls":[{},{},{},{},{},{},{},{},{}]}}]}""")]
    public void TryRead_UnusualShape_LeavesTheEventToTheDocument(string json)
    {
        var reader = new OpenAIChatEventReader();

        Assert.False(Read(reader, json));
    }

    private const string Head = """{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":""";
    private const string Tail = ""","logprobs":null,"finish_reason":null}]}""";

    [Fact]
    public void TryRead_SameEnvelopeAsTheLastEvent_ReadsEachDelta()
    {
        var reader = new OpenAIChatEventReader();
        Assert.True(Read(reader, Head + """{"role":"assistant","content":""}""" + Tail));

        Assert.True(Read(reader, Head + """{"content":"Hi \"you\""}""" + Tail));
        Assert.Equal("Hi \"you\"", reader.Content.ToString());
        Assert.Null(reader.FinishReason);

        Assert.True(Read(reader, Head + """{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"f","arguments":""}}]}""" + Tail));
        Assert.True(reader.Content.IsEmpty);
        Assert.Equal([new ToolCallDelta(0, "call_1", "f", "")], reader.Fragments.ToArray());

        Assert.True(Read(reader, Head + """{"tool_calls":[{"index":0,"function":{"arguments":"{}"}}]}""" + Tail));
        Assert.Equal([new ToolCallDelta(0, null, null, "{}")], reader.Fragments.ToArray());

        Assert.True(Read(reader, Head + "{}" + ""","logprobs":null,"finish_reason":"tool_calls"}]}"""));
        Assert.True(reader.Fragments.IsEmpty);
        Assert.Equal("tool_calls", reader.FinishReason);

        // The envelope of that event, with its finish reason, is now the one remembered.
        Assert.True(Read(reader, Head + """{"content":"x"}""" + ""","logprobs":null,"finish_reason":"tool_calls"}]}"""));
        Assert.Equal(("x", "tool_calls"), (reader.Content.ToString(), reader.FinishReason));
    }

    [Theory]
    [InlineData("""{"content":[{"type":"text","text":"a"}]}""" + Tail)]
    [InlineData("""{"function_call":{"name":"f"}}""" + Tail)]
    [InlineData("""{"content":"a","content":"b"}""" + Tail)]
    [InlineData("""{"content":"a"}""" + ""","delta":{}}]}""")]
    [InlineData("""{"content":"a"}""" + Tail + " x")]
    [InlineData("""{"content":"a" """ + Tail)]
    [InlineData("""{"content":"a"}}""" + Tail)]
    public void TryRead_SameEnvelopeUnusualDelta_LeavesTheEventToTheDocument(string rest)
    {
        var reader = new OpenAIChatEventReader();
        Assert.True(Read(reader, Head + """{"content":"warm"}""" + Tail));

        Assert.False(Read(reader, Head + rest));
        Assert.False(Read(new OpenAIChatEventReader(), Head + rest));
    }

    [Fact]
    public void TryRead_DeepDeltaAfterTheSameEnvelope_SameAnswerAsAFirstRead()
    {
        // The delta read alone keeps the depth limit of the whole event.
        for (int depth = 55; depth <= 65; depth++)
        {
            string json = Head + """{"content":"a","x":""" + new string('[', depth) + new string(']', depth) + "}" + Tail;
            var warm = new OpenAIChatEventReader();
            Assert.True(Read(warm, Head + """{"content":"warm"}""" + Tail));

            bool first = Read(new OpenAIChatEventReader(), json);
            Assert.Equal(first, Read(warm, json));
            Assert.Equal(depth <= 60, first);
        }
    }

    [Fact]
    public void Append_EventsTheReaderLeaves_AreReadAsBefore()
    {
        string body = OpenAIChatStreamParserTests.Sse(
            """{"choices":[{"index":0,"delta":{"content":"fast "}}]}""",
            """{"choices":[{"index":0,"delta":{"content":[{"type":"text","text":"parts"}]}}]}""",
            """{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"a","function":{"name":"f","arguments":{"x":1}}}]}}]}""",
            """{"choices":[{"index":0,"delta":{}},{"index":1,"delta":{"content":"second"}}],"finish_reason":null}""",
            """{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}""");

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(() => new OpenAIChatStreamParser(), body);

        Assert.Equal("fast parts", observer.Text);
        ParsedToolCall call = Assert.Single(observer.Calls);
        Assert.Equal(("a", "f", """{"x":1}"""), (call.Id, call.Name, call.ArgumentsJson));
        Assert.Equal([ProviderStreamDiagnosticCodes.ChoiceIgnored], observer.Diagnostics.Select(d => d.Code));
    }
}
