using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ToolFlow.Pipeline.Tests;

/// <summary>
/// A Kestrel server on 127.0.0.1 that speaks Ollama's <c>POST /api/chat</c> streaming format. Each request gets the
/// next scripted <see cref="OllamaResponse"/>.
/// </summary>
public sealed class OllamaTestServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<OllamaResponse> _responses = new();

    private OllamaTestServer(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    /// <summary>The server's root, such as <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>Starts a server on a free port of 127.0.0.1.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running server.</returns>
    public static async Task<OllamaTestServer> StartAsync(CancellationToken cancellationToken)
    {
        OllamaTestServer? server = null;
        (WebApplication app, Uri address) = await LoopbackHost.StartAsync("/api/chat", context => server!.HandleAsync(context), cancellationToken);
        server = new OllamaTestServer(app, address);
        return server;
    }

    /// <summary>Queues the response to the next request that has none yet.</summary>
    /// <param name="response">The response.</param>
    /// <returns>The response.</returns>
    public OllamaResponse Enqueue(OllamaResponse response)
    {
        _responses.Enqueue(response);
        return response;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        JsonElement request = JsonDocument.Parse(body.ToArray()).RootElement.Clone();
        if (!_responses.TryDequeue(out OllamaResponse? response))
        {
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            await context.Response.WriteAsJsonAsync(new { error = "The test server has no response scripted for this request." }, context.RequestAborted);
            return;
        }

        await response.WriteAsync(context, request);
    }
}
