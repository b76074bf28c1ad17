namespace ToolFlow.StreamParsers.Tests;

/// <summary>Feeds a text parser an input split in many ways and checks that the results do not depend on the split.</summary>
internal static class TextParserHarness
{
    /// <summary>Inputs up to this long are also tried at every pair of split points.</summary>
    public const int PairSplitMaxLength = 160;

    /// <summary>Runs a fresh parser over the chunks, then completes it.</summary>
    public static RecordingObserver Run(Func<ToolCallTextParser> create, params string[] chunks)
    {
        ToolCallTextParser parser = create();
        var observer = new RecordingObserver();
        long position = 0;
        for (int k = 0; k < chunks.Length; k++)
        {
            observer.Chunk = k;
            parser.Append(chunks[k], observer);
            position += chunks[k].Length;
            Assert.Equal(position, parser.Position);
        }

        observer.Chunk = chunks.Length;
        parser.Complete(observer);
        Assert.Equal(position, parser.Position);
        return observer;
    }

    /// <summary>The input whole, one character at a time, split at every point, and at every pair of points if short.</summary>
    public static IEnumerable<string[]> Splits(string input)
    {
        yield return [input];
        yield return input.Select(c => c.ToString()).ToArray();
        for (int a = 0; a <= input.Length; a++)
        {
            yield return [input[..a], input[a..]];
        }

        if (input.Length > PairSplitMaxLength)
        {
            yield break;
        }

        for (int a = 1; a < input.Length; a++)
        {
            for (int b = a + 1; b < input.Length; b++)
            {
                yield return [input[..a], input[a..b], input[b..]];
            }
        }
    }

    /// <summary>
    /// Checks that every split of the input gives the same events as the whole input, and that every call
    /// completed by its JSON closing is reported during the Append whose chunk holds the closing character.
    /// </summary>
    /// <returns>The events for the whole input.</returns>
    public static RecordingObserver AssertSplitInvariant(Func<ToolCallTextParser> create, string input)
    {
        RecordingObserver whole = Run(create, input);
        IReadOnlyList<string> expected = whole.Normalized();
        AssertWellFormed(whole, input);
        foreach (string[] chunks in Splits(input))
        {
            RecordingObserver split = Run(create, chunks);
            IReadOnlyList<string> actual = split.Normalized();
            if (!expected.SequenceEqual(actual))
            {
                Assert.Fail(
                    $"Split [{string.Join(", ", chunks.Select(c => c.Length))}] differs.\nExpected:\n  {string.Join("\n  ", expected)}\nActual:\n  {string.Join("\n  ", actual)}");
            }

            AssertCompletedInClosingChunk(split, chunks);
        }

        return whole;
    }

    /// <summary>Checks properties every run must have, whatever the input.</summary>
    public static void AssertWellFormed(RecordingObserver observer, string input)
    {
        var started = new HashSet<int>();
        var finished = new HashSet<int>();
        foreach (ParserEvent e in observer.Events)
        {
            switch (e.Kind)
            {
                case ParserEventKind.Started:
                    Assert.Equal(started.Count, e.Index);
                    Assert.True(started.Add(e.Index));
                    break;
                case ParserEventKind.ArgumentsDelta:
                    Assert.Contains(e.Index, started);
                    Assert.DoesNotContain(e.Index, finished);
                    break;
                case ParserEventKind.Completed:
                case ParserEventKind.Aborted:
                    Assert.Contains(e.Index, started);
                    Assert.True(finished.Add(e.Index));
                    break;
                case ParserEventKind.Diagnostic:
                    Assert.InRange(e.Diagnostic!.Value.Offset, 0, input.Length);
                    break;
                default:
                    break;
            }
        }

        foreach (ParsedToolCall call in observer.Calls)
        {
            Assert.InRange(call.Offset, 1, input.Length);
            Assert.Equal(call.IsValid, call.Arguments is not null);
            if (call.ArgumentsJson != "{}" || observer.ArgumentsOf(call.Index).Length > 0)
            {
                // The deltas are the arguments text exactly.
                Assert.Equal(call.ArgumentsJson, observer.ArgumentsOf(call.Index));
            }
        }
    }

    private static void AssertCompletedInClosingChunk(RecordingObserver observer, string[] chunks)
    {
        foreach (ParserEvent e in observer.Events.Where(e => e.Kind == ParserEventKind.Completed))
        {
            long closing = e.Call!.Offset - 1;
            int chunk = 0;
            long start = 0;
            while (start + chunks[chunk].Length <= closing)
            {
                start += chunks[chunk].Length;
                chunk++;
            }

            Assert.True(
                e.Chunk == chunk,
                $"Call {e.Index} closed at {closing} (chunk {chunk}) but was completed during chunk {e.Chunk}; split [{string.Join(", ", chunks.Select(c => c.Length))}].");
        }
    }
}
