using System.Text.Json;

namespace ToolFlow.StreamParsers;

/// <summary>Builds a call's arguments from their finished text with System.Text.Json.</summary>
internal static class JsonArguments
{
    /// <summary>The arguments of a call with none.</summary>
    public const string Empty = "{}";

    /// <summary>Reads finished arguments text as a JSON object.</summary>
    /// <param name="json">The text.</param>
    /// <param name="maxDepth">The deepest nesting allowed.</param>
    /// <param name="error">Why the text is not a JSON object, or <see langword="null"/>.</param>
    /// <param name="code">The diagnostic code for <paramref name="error"/>, or <see langword="null"/>.</param>
    /// <returns>The object, or <see langword="null"/> when <paramref name="error"/> is set.</returns>
    public static JsonElement? Parse(string json, int maxDepth, out string? error, out string? code)
    {
        JsonElement element;
        try
        {
            element = JsonElement.Parse(json, new JsonDocumentOptions { MaxDepth = maxDepth });
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException)
        {
            error = "The arguments are not valid JSON: " + ex.Message;
            code = ParserDiagnosticCodes.ArgumentsInvalidJson;
            return null;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            error = $"The arguments are a JSON {Describe(element.ValueKind)}, not an object.";
            code = ParserDiagnosticCodes.ArgumentsNotObject;
            return null;
        }

        error = null;
        code = null;
        return element;
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        _ => "null",
    };
}
