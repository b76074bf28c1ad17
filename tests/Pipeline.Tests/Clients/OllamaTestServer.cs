using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

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
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        WebApplication app = builder.Build();
        OllamaTestServer? server = null;
        app.MapPost("/api/chat", (RequestDelegate)(context => server!.HandleAsync(context)));
        await app.StartAsync(cancellationToken);
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server = new OllamaTestServer(app, new Uri(address.EndsWith('/') ? address : address + "/"));
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
