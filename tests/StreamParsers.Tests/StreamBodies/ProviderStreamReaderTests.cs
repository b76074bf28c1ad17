using System.Text;

namespace ToolFlow.StreamParsers.Tests;

public sealed class ProviderStreamReaderTests
{
    [Fact]
    public async Task ReadAsync_SseBodyWithCrLfAndNoFinalBlankLine_GivesTheCallsOfAppend()
    {
        string body =
            ": comment\r\n" +
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hé\"}}]}\r\n\r\n" +
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"c\",\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"a\\\":\"}}]}}]}\r\n\r\n" +
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"1}\"}}]},\"finish_reason\":\"tool_calls\"}]}";

        RecordingObserver read = await ReadAsync(body, new OpenAIChatStreamParser(), bytesPerRead: 3);
        RecordingObserver appended = TextParserHarness.Run(() => new OpenAIChatStreamParser(), body);

        ParsedToolCall call = Assert.Single(read.Calls);
        Assert.Equal(("c", "f", "{\"a\":1}"), (call.Id, call.Name, call.ArgumentsJson));
        Assert.Equal(appended.Calls.Select(c => (c.Id, c.Name, c.ArgumentsJson)), read.Calls.Select(c => (c.Id, c.Name, c.ArgumentsJson)));
        Assert.Equal("Hé", read.Text);
        Assert.Empty(read.Diagnostics);
    }

    [Fact]
    public async Task ReadAsync_NewlineDelimitedJson_IsAppendedAsText()
    {
        string body = "{\"message\":{\"content\":\"✓ done\"},\"done\":false}\n{\"done\":true,\"done_reason\":\"stop\"}\n";

        RecordingObserver read = await ReadAsync(body, new OllamaStreamParser(), bytesPerRead: 1);

        Assert.Equal("✓ done", read.Text);
        Assert.Empty(read.Diagnostics);
    }

    [Fact]
    public async Task ReadAsync_TextFormat_DecodesUtf8SplitAcrossReads()
    {
        string body = "Voilà <tool_call>{\"name\": \"f\", \"arguments\": {\"x\": \"ü\"}}</tool_call>";

        RecordingObserver read = await ReadAsync(body, new HermesToolCallParser(), bytesPerRead: 1);

        ParsedToolCall call = Assert.Single(read.Calls);
        Assert.Equal("{\"x\": \"ü\"}", call.ArgumentsJson);
        Assert.Equal(TextParserHarness.Run(() => new HermesToolCallParser(), body).Normalized(), read.Normalized());
    }

    private static async Task<RecordingObserver> ReadAsync(string body, ToolCallTextParser parser, int bytesPerRead)
    {
        var observer = new RecordingObserver();
        using var stream = new TrickleStream(Encoding.UTF8.GetBytes(body), bytesPerRead);
        await ProviderStreamReader.ReadAsync(stream, parser, observer);
        return observer;
    }

    /// <summary>A stream that gives at most a few bytes per read, as a slow network does.</summary>
    private sealed class TrickleStream(byte[] data, int bytesPerRead) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, bytesPerRead));

        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, bytesPerRead)]);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, bytesPerRead)], cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            base.ReadAsync(buffer, offset, Math.Min(count, bytesPerRead), cancellationToken);
    }
}
