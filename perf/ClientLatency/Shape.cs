namespace ToolFlow.ClientLatency;

/// <summary>
/// Issue 11's shape, with its timing, independent of the wire: a first response with three <c>lookup</c> calls whose
/// arguments stream in three fragments over 150 ms and close at 300, 600 and 900 ms, then text every 100 ms to
/// 2,000 ms; a request that carries tool results gets a 300 ms answer. Each tool takes 700 ms.
/// </summary>
internal static class Shape
{
    public const int AnswerMs = 300;
    public const int DecodeEndMs = 2000;
    public const int ToolMs = 700;
    public const int OpensBeforeCloseMs = 150;
    public static readonly int[] CloseMs = [300, 600, 900];

    /// <summary>max(decode end, last close + tool) + answer: nothing can finish sooner.</summary>
    public static int BoundMs => Math.Max(DecodeEndMs, CloseMs[^1] + ToolMs) + AnswerMs;

    public static IEnumerable<(int AtMs, ShapeEvent Event)> Turn()
    {
        yield return (0, new ShapeEvent.Started());
        for (int k = 0; k < CloseMs.Length; k++)
        {
            int close = CloseMs[k];
            string value = $" \"item {k}\"";
            yield return (close - OpensBeforeCloseMs, new ShapeEvent.CallOpened(k));
            yield return (close - OpensBeforeCloseMs, new ShapeEvent.ArgumentsDelta(k, "{\"q\":"));
            yield return (close - (OpensBeforeCloseMs / 2), new ShapeEvent.ArgumentsDelta(k, value));
            yield return (close, new ShapeEvent.ArgumentsDelta(k, "}"));
            yield return (close, new ShapeEvent.CallClosed(k, "{\"q\":" + value + "}"));
        }

        foreach ((int, ShapeEvent) word in Words(CloseMs[^1] + 100, DecodeEndMs))
        {
            yield return word;
        }

        yield return (DecodeEndMs, new ShapeEvent.Ended(ToolCalls: true));
    }

    public static IEnumerable<(int AtMs, ShapeEvent Event)> Answer()
    {
        yield return (0, new ShapeEvent.Started());
        foreach ((int, ShapeEvent) word in Words(100, AnswerMs))
        {
            yield return word;
        }

        yield return (AnswerMs, new ShapeEvent.Ended(ToolCalls: false));
    }

    private static IEnumerable<(int, ShapeEvent)> Words(int fromMs, int toMs)
    {
        for (int at = fromMs; at <= toMs; at += 100)
        {
            yield return (at, new ShapeEvent.TextDelta($"word{at} "));
        }
    }
}
