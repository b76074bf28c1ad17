using System.Text.Json;

namespace ToolFlow.StreamParsers;

/// <summary>Small readers for provider event JSON that never throw on an unexpected shape.</summary>
internal static class StreamBodyJson
{
    /// <summary>A member that is a string, or <see langword="null"/>.</summary>
    public static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    /// <summary>A member that is an object, if there is one.</summary>
    public static bool TryGetObject(JsonElement element, string name, out JsonElement value) =>
        TryGet(element, name, JsonValueKind.Object, out value);

    /// <summary>A member that is an array, if there is one.</summary>
    public static bool TryGetArray(JsonElement element, string name, out JsonElement value) =>
        TryGet(element, name, JsonValueKind.Array, out value);

    /// <summary>A member that is a 32-bit integer, or <see langword="null"/>.</summary>
    public static int? Int32(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out JsonElement value) &&
        value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int number)
            ? number
            : null;

    /// <summary>Whether a member is <see langword="true"/>.</summary>
    public static bool IsTrue(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.True;

    /// <summary>
    /// Arguments as text: a string member as it is, any other JSON value as its raw text, or <see langword="null"/>
    /// when the member is missing or null.
    /// </summary>
    public static string? ArgumentsText(JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out JsonElement value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Null or JsonValueKind.Undefined => null,
            _ => value.GetRawText(),
        };
    }

    /// <summary>The message of an error member (<c>{"message": ...}</c> or a string), for a diagnostic.</summary>
    public static string ErrorMessage(JsonElement error) => error.ValueKind switch
    {
        JsonValueKind.String => error.GetString() ?? string.Empty,
        JsonValueKind.Object when String(error, "message") is { } message => message,
        _ => error.GetRawText(),
    };

    private static bool TryGet(JsonElement element, string name, JsonValueKind kind, out JsonElement value)
    {
        if (element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out value) && value.ValueKind == kind)
        {
            return true;
        }

        value = default;
        return false;
    }
}
