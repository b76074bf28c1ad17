using System.Text.Json;

namespace ToolFlow.WireTesting;

/// <summary>A request a <see cref="LoopbackServer"/> received.</summary>
/// <param name="Body">The JSON body.</param>
/// <param name="Headers">The request's headers, by case-insensitive name.</param>
public sealed record RecordedRequest(JsonElement Body, IReadOnlyDictionary<string, string> Headers)
{
    /// <summary>The <c>Authorization</c> header, or empty.</summary>
    public string Authorization => Header("Authorization");

    /// <summary>The <c>messages</c> of the request.</summary>
    public JsonElement[] Messages => [.. Body.GetProperty("messages").EnumerateArray()];

    /// <summary>The <c>input</c> items of a Responses request.</summary>
    public JsonElement[] Input => [.. Body.GetProperty("input").EnumerateArray()];

    /// <summary>A header's value.</summary>
    /// <param name="name">The header's name.</param>
    /// <returns>Its value, or empty when the request has none.</returns>
    public string Header(string name) => Headers.TryGetValue(name, out string? value) ? value : string.Empty;
}
