namespace ToolFlow.Fuzzing;

/// <summary>
/// The SSE framer (<see cref="StreamBodyEventFramer"/>) on its own: the events framed from the whole payload and at
/// the input's chunking must be the same, and no event may hold more than the limit.
/// </summary>
internal static class FramerTarget
{
    // Small, so that short inputs reach it.
    private const int MaxEventLength = 64;

    public static void Run(FuzzInput input)
    {
        string text = input.Text;
        List<string> whole = Frame(text, [text.Length]);
        List<string> chunked = Frame(text, input.Chunks(text.Length));
        for (int i = 0; i < Math.Max(whole.Count, chunked.Count); i++)
        {
            string? e = i < whole.Count ? whole[i] : null;
            string? a = i < chunked.Count ? chunked[i] : null;
            if (e != a)
            {
                throw new FuzzInvariantException($"framer: chunked framing differs at event {i}:\n  whole:   {e}\n  chunked: {a}");
            }
        }
    }

    private static List<string> Frame(string text, IEnumerable<int> chunks)
    {
        var framer = new StreamBodyEventFramer(MaxEventLength);
        var events = new List<string>();
        int at = 0;
        foreach (int length in chunks)
        {
            ReadOnlySpan<char> chunk = text.AsSpan(at, length);
            while (!chunk.IsEmpty)
            {
                int used = framer.Advance(chunk, out StreamBodyFrameSignal signal);
                if (used < 0 || used > chunk.Length || (used == 0 && signal == StreamBodyFrameSignal.None))
                {
                    throw new FuzzInvariantException($"framer: consumed {used} of {chunk.Length} characters");
                }

                at += used;
                chunk = chunk[used..];
                Record(framer, signal, at, events);
            }
        }

        if (framer.Flush())
        {
            Record(framer, StreamBodyFrameSignal.Event, at, events);
        }

        framer.Release();
        return events;
    }

    private static void Record(StreamBodyEventFramer framer, StreamBodyFrameSignal signal, int at, List<string> events)
    {
        if (signal == StreamBodyFrameSignal.UnexpectedText)
        {
            events.Add($"unexpected @{at}");
        }
        else if (signal == StreamBodyFrameSignal.Event)
        {
            if (framer.Data.Length > MaxEventLength)
            {
                throw new FuzzInvariantException($"framer: an event of {framer.Data.Length} characters, more than {MaxEventLength}");
            }

            events.Add($"event @{at} type={framer.EventType} long={framer.IsTooLong} data={framer.Data}");
            framer.ClearEvent();
        }
    }
}
