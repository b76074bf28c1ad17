using System.Text.Json;

namespace ToolFlow.Cli.Parse;

/// <summary>Reads the <c>--tools</c> file of <c>toolflow parse</c>: the tools' parameter schemas by name.</summary>
/// <remarks>
/// The file holds a JSON array of tools, each <c>{"name", "parameters"}</c> (as in the conformance corpus), the OpenAI
/// shape <c>{"type": "function", "function": {"name", "parameters"}}</c>, or Anthropic's <c>{"name", "input_schema"}</c>.
/// A tool without a schema gets <c>{"type": "object"}</c>.
/// </remarks>
internal static class ToolSchemaFile
{
    /// <summary>Reads the schemas from JSON text.</summary>
    /// <exception cref="FormatException">The text is not a JSON array of named tools; the message says why.</exception>
    public static Dictionary<string, JsonElement> Parse(string json)
    {
        JsonElement root;
        try
        {
            root = JsonElement.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new FormatException("The tools file is not valid JSON: " + ex.Message, ex);
        }

        if (root.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException("The tools file must hold a JSON array of tools, [{\"name\": ..., \"parameters\": {...}}].");
        }

        var schemas = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        int position = 0;
        foreach (JsonElement tool in root.EnumerateArray())
        {
            JsonElement function = tool.ValueKind == JsonValueKind.Object && tool.TryGetProperty("function", out JsonElement inner) && inner.ValueKind == JsonValueKind.Object
                ? inner
                : tool;
            if (function.ValueKind != JsonValueKind.Object ||
                !function.TryGetProperty("name", out JsonElement name) || name.ValueKind != JsonValueKind.String || name.GetString() is not { Length: > 0 } toolName)
            {
                throw new FormatException($"Tool {position} in the tools file has no \"name\".");
            }

            schemas[toolName] = function.TryGetProperty("parameters", out JsonElement parameters) && parameters.ValueKind == JsonValueKind.Object ? parameters
                : function.TryGetProperty("input_schema", out JsonElement inputSchema) && inputSchema.ValueKind == JsonValueKind.Object ? inputSchema
                : JsonElement.Parse("""{"type":"object"}""");
            position++;
        }

        return schemas;
    }
}
