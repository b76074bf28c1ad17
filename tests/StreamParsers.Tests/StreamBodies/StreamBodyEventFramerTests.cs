namespace ToolFlow.StreamParsers.Tests;

public sealed class StreamBodyEventFramerTests
{
    // Found by fuzzing: an event type past the limit was dropped when its line came in one chunk but kept cut short
    // when it came in pieces.
    [Theory]
    [InlineData(129, "")]
    [InlineData(400, "")]
    [InlineData(128, "full")]
    public void Advance_EventTypeAroundTheLimit_SameTypeAtEveryChunking(int length, string expected)
    {
        string type = new('t', length);
        string body = $"event: {type}\ndata: {{\"a\":1}}\n\nevent: next\ndata: {{}}\n\n";

        foreach (int size in new[] { body.Length, 1, 3, 50, 100 })
        {
            List<(string? Type, string Data)> events = Frame(body, size);
            Assert.Equal(2, events.Count);
            Assert.Equal(expected == "full" ? type : null, events[0].Type);
            Assert.Equal("{\"a\":1}", events[0].Data);
            Assert.Equal("next", events[1].Type);
        }
    }

    private static List<(string? Type, string Data)> Frame(string body, int chunkSize)
    {
        var framer = new StreamBodyEventFramer(1024);
        var events = new List<(string?, string)>();
        for (int at = 0; at < body.Length; at += chunkSize)
        {
            ReadOnlySpan<char> chunk = body.AsSpan(at, Math.Min(chunkSize, body.Length - at));
            while (!chunk.IsEmpty)
            {
                int used = framer.Advance(chunk, out StreamBodyFrameSignal signal);
                chunk = chunk[used..];
                if (signal == StreamBodyFrameSignal.Event)
                {
                    events.Add((framer.EventType, new string(framer.Data)));
                    framer.ClearEvent();
                }
            }
        }

        if (framer.Flush())
        {
            events.Add((framer.EventType, new string(framer.Data)));
        }

        framer.Release();
        return events;
    }
}
