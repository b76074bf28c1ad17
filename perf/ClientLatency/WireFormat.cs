using System.Text.Json;

namespace ToolFlow.ClientLatency;

/// <summary>Writes the shape's events in one provider's streaming format. One instance per response: formats keep state.</summary>
internal abstract class WireFormat
{
    public abstract string ContentType { get; }

    /// <summary>Whether the request carries tool results, so it gets the answer rather than the turn.</summary>
    public abstract bool IsAnswerRequest(JsonElement request);

    /// <summary>What goes on the wire for <paramref name="e"/>: SSE events or NDJSON lines, possibly none.</summary>
    public abstract IEnumerable<string> Write(ShapeEvent e);

    protected static bool AnyMessage(JsonElement request, Func<JsonElement, bool> predicate) =>
        request.TryGetProperty("messages", out JsonElement messages) && messages.EnumerateArray().Any(predicate);
}
