using System.Text.Json;

namespace ToolFlow.Providers.Anthropic.Tests;

/// <summary>A request <see cref="AnthropicTestServer"/> received.</summary>
/// <param name="Body">The JSON body.</param>
/// <param name="ApiKey">The <c>x-api-key</c> header, or empty.</param>
/// <param name="Authorization">The <c>Authorization</c> header, or empty.</param>
public sealed record AnthropicRequest(JsonElement Body, string ApiKey, string Authorization)
{
    /// <summary>The <c>messages</c> of the request.</summary>
    public JsonElement[] Messages => [.. Body.GetProperty("messages").EnumerateArray()];
}
