using Microsoft.AspNetCore.Http;

namespace ToolFlow.WireTesting;

/// <summary>A whole JSON answer with a status: an error before any stream, or a non-streaming completion.</summary>
/// <param name="status">The HTTP status.</param>
/// <param name="json">The body.</param>
public sealed class JsonHttpResponse(int status, string json) : ScriptedHttpResponse
{
    /// <summary>Extra headers, such as <c>retry-after-ms</c>.</summary>
    public Dictionary<string, string> Headers { get; } = [];

    /// <summary>An OpenAI-style error answer.</summary>
    /// <param name="status">The HTTP status.</param>
    /// <param name="message">The error message.</param>
    /// <param name="type">The error type.</param>
    /// <returns>The response.</returns>
    public static JsonHttpResponse Error(int status, string message, string type = "server_error") =>
        new(status, System.Text.Json.JsonSerializer.Serialize(new { error = new { message, type, param = (string?)null, code = (string?)null } }));

    protected override async Task WriteCoreAsync(HttpContext context, CancellationToken cancellationToken)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        foreach ((string name, string value) in Headers)
        {
            context.Response.Headers[name] = value;
        }

        await context.Response.WriteAsync(json, cancellationToken);
    }
}
