using System.Text.Json;

namespace ToolFlow.StreamParsers;

/// <summary>Reads the keys and string values of a call's JSON envelope, for the parsers that scan it themselves.</summary>
internal static class JsonMemberKeys
{
    /// <summary>Classifies a member key by the raw text between its quotes.</summary>
    /// <param name="rawKey">The key as written, escapes included.</param>
    /// <param name="withIds">
    /// Whether <c>id</c> / <c>tool_call_id</c> name the call's id and <c>tool_name</c> its name (the marked-JSON
    /// formats); otherwise only <c>name</c> and <c>arguments</c> / <c>parameters</c> count.
    /// </param>
    /// <returns>What the member holds.</returns>
    public static JsonMember Classify(ReadOnlySpan<char> rawKey, bool withIds = false)
    {
        // Decoded once: a decoded key may still hold a backslash (a key written "\\\\"), which is not an escape.
        ReadOnlySpan<char> key = rawKey.Contains('\\') ? DecodeString(rawKey) : rawKey;
        return key switch
        {
            "name" => JsonMember.Name,
            "arguments" or "parameters" => JsonMember.Arguments,
            "tool_name" when withIds => JsonMember.Name,
            "id" or "tool_call_id" when withIds => JsonMember.Id,
            _ => JsonMember.Other,
        };
    }

    /// <summary>Decodes the text between a JSON string's quotes; the scanner has already checked its escapes.</summary>
    /// <param name="raw">The string's text without its quotes.</param>
    /// <returns>The decoded string (the raw text when it cannot be decoded).</returns>
    public static string DecodeString(ReadOnlySpan<char> raw)
    {
        if (!raw.Contains('\\'))
        {
            return new string(raw);
        }

        try
        {
            using JsonDocument document = JsonDocument.Parse(string.Concat("\"", raw, "\""));
            return document.RootElement.GetString() ?? string.Empty;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or ArgumentException)
        {
            return new string(raw);
        }
    }
}
