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
    /// The API key to use when none is given: <c>$OPENAI_API_KEY</c> when <see cref="IsOpenAIKeyHost"/> says the address
    /// is OpenAI's or Azure OpenAI's own, else <see langword="null"/> (a local or third-party server must not be sent a
    /// key meant for OpenAI).
    /// </summary>
    /// <param name="endpoint">The address typed.</param>
    /// <returns>The key, or <see langword="null"/>.</returns>
    public static string? DefaultApiKey(string endpoint) =>
        Uri.TryCreate(endpoint?.Trim(), UriKind.Absolute, out Uri? uri) && IsOpenAIKeyHost(uri)
            ? Environment.GetEnvironmentVariable("OPENAI_API_KEY")
            : null;

    /// <summary>
    /// Whether an OpenAI key from the environment may go to <paramref name="endpoint"/>: an https address with no user
    /// info whose host is <c>openai.com</c> or one of its subdomains, or a subdomain of <c>openai.azure.com</c> or
    /// <c>cognitiveservices.azure.com</c>. Names are compared label by label (<c>notopenai.com</c> is not OpenAI's),
    /// in their ASCII (punycode) form; IP addresses and names with a trailing dot are not matched.
    /// </summary>
    /// <param name="endpoint">The address.</param>
    /// <returns>Whether the environment's key belongs to that host.</returns>
    public static bool IsOpenAIKeyHost(Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (!endpoint.IsAbsoluteUri || endpoint.Scheme != Uri.UriSchemeHttps || endpoint.UserInfo.Length > 0 || endpoint.HostNameType != UriHostNameType.Dns)
        {
            return false;
        }

        string host = endpoint.IdnHost;
        return host.Equals("openai.com", StringComparison.OrdinalIgnoreCase) ||
            IsSubdomain(host, "openai.com") ||
            IsSubdomain(host, "openai.azure.com") ||
            IsSubdomain(host, "cognitiveservices.azure.com");
    }

    /// <summary>
    /// Whether any API key may go to <paramref name="endpoint"/>: over https, or over plain http only to a loopback
    /// address (this machine's own server), where nothing crosses a network.
    /// </summary>
    /// <param name="endpoint">The address.</param>
    /// <returns>Whether a key is safe to send there.</returns>
    public static bool CanCarryKey(Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return endpoint.IsAbsoluteUri && (endpoint.Scheme == Uri.UriSchemeHttps || (endpoint.Scheme == Uri.UriSchemeHttp && endpoint.IsLoopback));
    }

    // A non-empty label, then a dot, then the domain: "x.openai.com" is under "openai.com", "xopenai.com" and ".openai.com" are not.
    private static bool IsSubdomain(string host, string domain) =>
        host.Length > domain.Length + 1 &&
        host.EndsWith(domain, StringComparison.OrdinalIgnoreCase) &&
        host[host.Length - domain.Length - 1] == '.' &&
        host[0] != '.';
}
