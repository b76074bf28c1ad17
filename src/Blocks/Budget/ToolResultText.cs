using System.Text.Json;
using Microsoft.Extensions.AI;

namespace ToolFlow.Blocks;

/// <summary>
/// A result as the model reads it, which is what a budget counts: the form ToolFlow's model clients send a
/// <see cref="FunctionResultContent"/> in (a string as it is, a JSON string's value, other JSON as written, anything
/// else serialized compactly with <c>AIJsonUtilities.DefaultOptions</c>).
/// </summary>
internal static class ToolResultText
{
    /// <summary>Compact JSON with Microsoft.Extensions.AI's defaults: how results and call arguments are written for counting.</summary>
    public static JsonSerializerOptions Compact { get; } = new(AIJsonUtilities.DefaultOptions) { WriteIndented = false };

    public static string Of(object? result) => result switch
    {
        null => string.Empty,
        string s => s,
        JsonElement { ValueKind: JsonValueKind.String } s => s.GetString() ?? string.Empty,
        JsonElement json => json.GetRawText(),
        TextContent text => text.Text,
        object value => JsonSerializer.Serialize(value, Compact.GetTypeInfo(typeof(object))),
    };
}
