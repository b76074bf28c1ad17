using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace ToolFlow.Blocks;

/// <summary>Arguments as canonical JSON text (object keys sorted, no white space), so identical calls compare equal.</summary>
internal static class CanonicalJson
{
    public static string Of(IReadOnlyDictionary<string, object?>? arguments)
    {
        var text = new StringBuilder();
        text.Append('{');
        bool first = true;
        foreach ((string name, object? value) in (arguments ?? new Dictionary<string, object?>()).OrderBy(static p => p.Key, StringComparer.Ordinal))
        {
            text.Append(first ? string.Empty : ",").Append(JsonSerializer.Serialize(name)).Append(':');
            first = false;
            Write(value is JsonElement e ? e : JsonSerializer.SerializeToElement(value, AIJsonUtilities.DefaultOptions), text);
        }

        return text.Append('}').ToString();
    }

    private static void Write(JsonElement value, StringBuilder text)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                text.Append('{');
                bool first = true;
                foreach (JsonProperty property in value.EnumerateObject().OrderBy(static p => p.Name, StringComparer.Ordinal))
                {
                    text.Append(first ? string.Empty : ",").Append(JsonSerializer.Serialize(property.Name)).Append(':');
                    first = false;
                    Write(property.Value, text);
                }

                text.Append('}');
                break;
            case JsonValueKind.Array:
                text.Append('[');
                int i = 0;
                foreach (JsonElement item in value.EnumerateArray())
                {
                    text.Append(i++ == 0 ? string.Empty : ",");
                    Write(item, text);
                }

                text.Append(']');
                break;
            case JsonValueKind.String:
                text.Append(JsonSerializer.Serialize(value.GetString()));
                break;
            default:
                text.Append(value.GetRawText());
                break;
        }
    }
}
