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
            List<(string? Type, string Data, int At)> events = Frame(body, size);
            Assert.Equal(2, events.Count);
            Assert.Equal(expected == "full" ? type : null, events[0].Type);
            Assert.Equal("{\"a\":1}", events[0].Data);
            Assert.Equal("next", events[1].Type);
        }
    }

    [Fact]
    public void Advance_EventWholeInTheChunk_GivenInPlaceAsWhenBuffered()
    {
        string body = "data: {\"a\":1}\n\nevent: t\ndata:{\"b\":2}\n\ndata: one\ndata: two\n\ndata: x\r\n\r\n:c\ndata:\n\ndata: {}\n";

        for (int size = 1; size <= body.Length; size++)
        {
            Assert.Equal(Frame(body, size), Frame(body, size, inPlace: true));
        }

        Assert.Equal(
            [(null, "{\"a\":1}", 15), ("t", "{\"b\":2}", 38), (null, "one\ntwo", 59), (null, "x", 69), (null, "", 80), (null, "{}", 89)],
            Frame(body, body.Length, inPlace: true));
    }

    // Events with the offset just past the character that completed them; inPlace takes the overload that gives data in place.
    private static List<(string? Type, string Data, int At)> Frame(string body, int chunkSize, bool inPlace = false)
    {
        var framer = new StreamBodyEventFramer(1024);
        var events = new List<(string?, string, int)>();
        int position = 0;
        for (int at = 0; at < body.Length; at += chunkSize)
        {
            ReadOnlySpan<char> chunk = body.AsSpan(at, Math.Min(chunkSize, body.Length - at));
            while (!chunk.IsEmpty)
            {
                ReadOnlySpan<char> data = default;
                StreamBodyFrameSignal signal;
                int used = inPlace ? framer.Advance(chunk, out signal, out data) : framer.Advance(chunk, out signal);
                chunk = chunk[used..];
                position += used;
                if (signal == StreamBodyFrameSignal.Event)
                {
                    events.Add((framer.EventType, new string(inPlace ? data : framer.Data), position));
                    framer.ClearEvent();
                }
            }
        }

        if (framer.Flush())
        {
            events.Add((framer.EventType, new string(framer.Data), position));
        }

        framer.Release();
        return events;
    }
}
