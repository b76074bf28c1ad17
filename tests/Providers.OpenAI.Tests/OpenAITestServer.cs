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

namespace ToolFlow.Providers.OpenAI.Tests;

/// <summary>
/// A Kestrel server on 127.0.0.1 that speaks OpenAI's wire formats. Each request to
/// <c>POST /v1/chat/completions</c> or <c>POST /v1/responses</c> gets the next scripted
/// <see cref="ScriptedHttpResponse"/>; every request body is recorded.
/// </summary>
public sealed class OpenAITestServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ScriptedHttpResponse> _responses = new();
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();

    private OpenAITestServer(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    /// <summary>The server's root, such as <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The API endpoint a client is configured with: the root plus <c>v1</c>.</summary>
    public Uri Endpoint => new(BaseAddress, "v1");

    /// <summary>Every request received, in order.</summary>
    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    /// <summary>Starts a server on a free port of 127.0.0.1.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running server.</returns>
    public static async Task<OpenAITestServer> StartAsync(CancellationToken cancellationToken)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        WebApplication app = builder.Build();
        OpenAITestServer? server = null;
        app.MapPost("/v1/chat/completions", (RequestDelegate)(context => server!.HandleAsync(context)));
        app.MapPost("/v1/responses", (RequestDelegate)(context => server!.HandleAsync(context)));
        await app.StartAsync(cancellationToken);
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server = new OpenAITestServer(app, new Uri(address.EndsWith('/') ? address : address + "/"));
        return server;
    }

    /// <summary>Queues the response to the next request that has none yet.</summary>
    /// <param name="response">The response.</param>
    /// <returns>The response, to step or await.</returns>
    public T Enqueue<T>(T response)
        where T : ScriptedHttpResponse
    {
        _responses.Enqueue(response);
        return response;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        foreach (ScriptedHttpResponse response in _responses)
        {
            response.Cancel();
        }

        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        var request = new RecordedRequest(
            JsonDocument.Parse(body.ToArray()).RootElement.Clone(),
            context.Request.Headers.Authorization.ToString());
        _requests.Enqueue(request);

        if (!_responses.TryDequeue(out ScriptedHttpResponse? response))
        {
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            await context.Response.WriteAsJsonAsync(
                new { error = new { message = $"The test server has no response scripted for request {_requests.Count}.", type = "test_error" } },
                context.RequestAborted);
            return;
        }

        await response.WriteAsync(context, request);
    }
}
