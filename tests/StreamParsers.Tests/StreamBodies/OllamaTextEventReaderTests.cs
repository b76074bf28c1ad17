using System.Text;

namespace ToolFlow.StreamParsers.Tests;

public sealed class OllamaTextEventReaderTests
{
    private static bool Read(OllamaTextEventReader reader, string json) => reader.TryRead(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void TryRead_UsualLine_ReadsContentAndThinking()
    {
        var reader = new OllamaTextEventReader();

        Assert.True(Read(reader, """{"model":"q","created_at":"t","message":{"role":"assistant","thinking":"Hm\u00e9","content":"a\"b\n","images":null},"done":false,"error":null}"""));
        Assert.Equal(("Hmé", "a\"b\n"), (reader.Thinking.ToString(), reader.Content.ToString()));

        Assert.True(Read(reader, """{"message":{"content":7,"thinking":null}}"""));
        Assert.True(reader.Content.IsEmpty);
        Assert.True(reader.Thinking.IsEmpty);
    }

    [Theory]
    [InlineData("""{"message":{"content":"a"},"done":true}""")]
    [InlineData("""{"message":{"content":"a","tool_calls":[]}}""")]
    [InlineData("""{"message":{"content":"a"},"error":"boom"}""")]
    [InlineData("""{"response":"a","done":false}""")]
    [InlineData("""{"message":"a"}""")]
    [InlineData("""{"message":{"content":"a","content":"b"}}""")]
    [InlineData("""{"message":{"content":"a"},"message":{"content":"b"}}""")]
    [InlineData("""{"message":{"content":"a"},"done":false,"done":true}""")]
    [InlineData("""{"message":{"content":"a"}} {}""")]
    [InlineData("""{"message":{"content":"a"}""")]
    public void TryRead_UnusualLine_LeavesItToTheDocument(string json)
    {
        var reader = new OllamaTextEventReader();

        Assert.False(Read(reader, json));
    }

    [Fact]
    public void Append_LinesTheReaderTakesAndLeaves_ReadAsBefore()
    {
        string body = string.Concat(new[]
        {
            """{"model":"q","message":{"role":"assistant","thinking":"Plan. "},"done":false}""",
            """{"model":"q","message":{"role":"assistant","content":"fast "},"done":false}""",
            """{"model":"q","response":"generate ","done":false}""",
            """{"model":"q","message":{"role":"assistant","content":"","tool_calls":[{"function":{"name":"f","arguments":{"x":1}}}]},"done":false}""",
            """{"model":"q","message":{"role":"assistant","content":"end"},"done":true,"done_reason":"stop"}""",
        }.Select(line => line + "\n"));

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(() => new OllamaStreamParser(), body);

        Assert.Equal("fast generate end", observer.Text);
        Assert.Equal("Plan. ", observer.Reasoning);
        ParsedToolCall call = Assert.Single(observer.Calls);
        Assert.Equal(("f", """{"x":1}"""), (call.Name, call.ArgumentsJson));
        Assert.Empty(observer.Diagnostics);
    }
}
