using System.Text.Json;

namespace ToolFlow.Orleans.Tests.Cluster;

/// <summary>One SSE message of a conversation's event stream: its id, type and data.</summary>
internal sealed record ChatEvent(long Id, string Type, JsonElement Data)
{
    public string? CallId => Data.TryGetProperty("callId", out JsonElement id) ? id.GetString() : null;
}
