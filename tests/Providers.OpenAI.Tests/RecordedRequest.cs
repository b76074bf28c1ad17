using System.Text.Json;

namespace ToolFlow.Providers.OpenAI.Tests;

/// <summary>A request the test server received.</summary>
/// <param name="Body">The JSON body.</param>
/// <param name="Authorization">The <c>Authorization</c> header, or empty.</param>
public sealed record RecordedRequest(JsonElement Body, string Authorization)
{
    /// <summary>The <c>messages</c> of the request.</summary>
    public JsonElement[] Messages => [.. Body.GetProperty("messages").EnumerateArray()];

    /// <summary>The <c>input</c> items of a Responses request.</summary>
    public JsonElement[] Input => [.. Body.GetProperty("input").EnumerateArray()];
}
