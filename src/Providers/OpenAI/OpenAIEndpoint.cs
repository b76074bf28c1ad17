using System.Diagnostics.CodeAnalysis;

namespace ToolFlow.Providers.OpenAI;

/// <summary>
/// Reads an OpenAI-compatible server's address as people type it (<c>toolflow run --endpoint</c>, the chat sample):
/// <c>http://localhost:8000</c> means <c>http://localhost:8000/v1</c>.
/// </summary>
public static class OpenAIEndpoint
{
    /// <summary>The endpoint as <see cref="OpenAIChatClientOptions.Endpoint"/> wants it: an absolute http(s) address, with <c>/v1</c> when it has no path.</summary>
    /// <param name="text">The address typed.</param>
    /// <param name="endpoint">The endpoint, when the address is valid.</param>
    /// <returns>Whether the address is an absolute http or https address.</returns>
    public static bool TryNormalize(string text, [NotNullWhen(true)] out Uri? endpoint)
    {
        ArgumentNullException.ThrowIfNull(text);
        endpoint = null;
        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return false;
        }

        endpoint = uri.AbsolutePath is "/" or "" ? new Uri(uri, "/v1") : uri;
        return true;
    }

    /// <summary>
    /// The API key to use when none is given: <c>$OPENAI_API_KEY</c> for an openai.com or azure.com address, else
    /// <see langword="null"/> (a local server needs none, and must not be sent a key meant for OpenAI).
    /// </summary>
    /// <param name="endpoint">The address typed.</param>
    /// <returns>The key, or <see langword="null"/>.</returns>
    public static string? DefaultApiKey(string endpoint) =>
        Uri.TryCreate(endpoint, UriKind.Absolute, out Uri? uri) &&
        (uri.Host.EndsWith("openai.com", StringComparison.OrdinalIgnoreCase) || uri.Host.EndsWith(".azure.com", StringComparison.OrdinalIgnoreCase))
            ? Environment.GetEnvironmentVariable("OPENAI_API_KEY")
            : null;
}
