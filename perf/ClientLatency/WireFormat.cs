using System.Text.Json;

namespace ToolFlow.ClientLatency;

/// <summary>Writes the shape's events in one provider's streaming format. One instance per response: formats keep state.</summary>
internal abstract class WireFormat(string contentType)
{
    public string ContentType => contentType;

    /// <summary>
    /// Whether the request carries tool results, so it gets the answer rather than the turn; by default, whether a
    /// message has the <c>tool</c> role (OpenAI chat and Ollama).
    /// </summary>
    public virtual bool IsAnswerRequest(JsonElement request) => AnyMessage(request, m => m.GetProperty("role").GetString() == "tool");

    /// <summary>What goes on the wire for <paramref name="e"/>: SSE events or NDJSON lines, possibly none.</summary>
    public abstract IEnumerable<string> Write(ShapeEvent e);

    protected static bool AnyMessage(JsonElement request, Func<JsonElement, bool> predicate) =>
        request.TryGetProperty("messages", out JsonElement messages) && messages.EnumerateArray().Any(predicate);
}
