namespace ToolFlow.ClientLatency;

/// <summary>One step of the shape, before any wire format writes it.</summary>
internal abstract record ShapeEvent
{
    /// <summary>The response begins.</summary>
    public sealed record Started : ShapeEvent;

    /// <summary>Call <paramref name="Index"/> (id and name) begins; its arguments follow as fragments.</summary>
    public sealed record CallOpened(int Index) : ShapeEvent;

    /// <summary>A fragment of call <paramref name="Index"/>'s arguments JSON.</summary>
    public sealed record ArgumentsDelta(int Index, string Fragment) : ShapeEvent;

    /// <summary>Call <paramref name="Index"/>'s arguments are complete: <paramref name="Arguments"/>.</summary>
    public sealed record CallClosed(int Index, string Arguments) : ShapeEvent;

    /// <summary>A piece of answer text.</summary>
    public sealed record TextDelta(string Text) : ShapeEvent;

    /// <summary>The response ends, asking for tool results or not.</summary>
    public sealed record Ended(bool ToolCalls) : ShapeEvent;
}
