using System.Text;

namespace ToolFlow.StreamParsers.Tests;

public sealed class GeminiTextEventReaderTests
{
    private static bool Read(GeminiTextEventReader reader, string json) => reader.TryRead(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void TryRead_UsualChunk_ReadsEachPart()
    {
        var reader = new GeminiTextEventReader();

        Assert.True(Read(reader, """{"candidates":[{"content":{"role":"model","parts":[{"text":"Hm\u00e9","thought":true},{"text":"a\"b"},{"text":"","thought":"yes"}]},"index":0,"finishReason":null,"safetyRatings":[{"x":1}]}],"modelVersion":"g"}"""));

        Assert.Equal(
            [("Hmé", true), ("a\"b", false), ("", false)],
            Enumerable.Range(0, reader.PartCount).Select(i => (reader.Text(i).ToString(), reader.IsThought(i))));
    }

    [Theory]
    [InlineData("""{"candidates":[{"content":{"parts":[{"text":"a"}]},"finishReason":"STOP"}]}""")]
    [InlineData("""{"candidates":[{"content":{"parts":[{"functionCall":{"name":"f","args":{}}}]}}]}""")]
    [InlineData("""{"candidates":[{"content":{"parts":[{"text":"a"}]}},{"content":{"parts":[{"text":"b"}]},"index":1}]}""")]
    [InlineData("""{"candidates":[{"content":{"parts":[{"text":"a"}]},"index":1}]}""")]
    [InlineData("""{"candidates":[],"promptFeedback":{"blockReason":"SAFETY"}}""")]
    [InlineData("""{"error":{"message":"boom"}}""")]
    [InlineData("""{"candidates":[{"content":{"parts":[{"text":7}]}}]}""")]
    [InlineData("""{"candidates":[{"content":{"parts":["a"]}}]}""")]
    [InlineData("""{"candidates":[{"content":{"parts":[{"text":"a","text":"b"}]}}]}""")]
    [InlineData("""{"candidates":[{"content":{"parts":[{"text":"a"}]}}]""")]
    [InlineData("""[{"candidates":[{"content":{"parts":[{"text":"a"}]}}]}]""")]
    [InlineData("""{"candidates":[{"content":{"parts":[{},{},{},{},{},{},{},{},{}]}}]}""")]
    public void TryRead_UnusualChunk_LeavesItToTheDocument(string json)
    {
        var reader = new GeminiTextEventReader();

        Assert.False(Read(reader, json));
    }

    [Fact]
    public void Append_ChunksTheReaderTakesAndLeaves_ReadAsBefore()
    {
        string body = string.Concat(new[]
        {
            """{"candidates":[{"content":{"role":"model","parts":[{"text":"Plan. ","thought":true}]},"index":0}]}""",
            """{"candidates":[{"content":{"role":"model","parts":[{"text":"fast "}]},"index":0}]}""",
            """{"candidates":[{"content":{"role":"model","parts":[{"functionCall":{"name":"f","args":{"x":1}}}]},"index":0}]}""",
            """{"candidates":[{"content":{"role":"model","parts":[{"text":"end"}]},"finishReason":"STOP","index":0}]}""",
        }.Select(p => $"data: {p}\r\n\r\n"));

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(() => new GeminiStreamParser(), body);

        Assert.Equal("fast end", observer.Text);
        Assert.Equal("Plan. ", observer.Reasoning);
        ParsedToolCall call = Assert.Single(observer.Calls);
        Assert.Equal(("f", """{"x":1}"""), (call.Name, call.ArgumentsJson));
        Assert.Empty(observer.Diagnostics);
    }
}
