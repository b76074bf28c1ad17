using System.Text.Json;
using Microsoft.Extensions.AI;

namespace ToolFlow.Orleans;

/// <summary>
/// The one rule for a result crossing silos: the worker writes it as JSON with the tool's own serializer options; the
/// caller gives it back as a <see cref="JsonElement"/> (JSON null as <see langword="null"/>). That is what a tool made
/// by <see cref="AIFunctionFactory"/> returns locally (its strings included), so its results, and the history messages
/// made from them, are the same whichever silo ran it.
/// </summary>
internal static class RemoteResults
{
    public static string Serialize(object? result, AIFunction tool) => result switch
    {
        null => "null",
        JsonElement element => element.GetRawText(),
        _ => JsonSerializer.Serialize(result, (tool.JsonSerializerOptions ?? AIJsonUtilities.DefaultOptions).GetTypeInfo(result.GetType())),
    };

    public static object? Deserialize(string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        JsonElement root = document.RootElement;
        return root.ValueKind == JsonValueKind.Null ? null : root.Clone();
    }
}
