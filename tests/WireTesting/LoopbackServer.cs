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
using Microsoft.Extensions.Primitives;

namespace ToolFlow.WireTesting;

/// <summary>
/// A Kestrel server on a free port of 127.0.0.1 that answers the POST paths it is given. Each request is recorded
/// (JSON body and headers), then answered with the next queued <see cref="ScriptedHttpResponse"/>; a request with
/// none queued gets a 500 that says so. The wire-format test servers wrap it with their paths, clients and records.
/// </summary>
public sealed class LoopbackServer : IAsyncDisposable
{
    private readonly ConcurrentQueue<ScriptedHttpResponse> _responses = new();
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly Func<string, object> _unscriptedError;
    private WebApplication? _app;

    private LoopbackServer(Func<string, object> unscriptedError)
    {
        _unscriptedError = unscriptedError;
    }

    /// <summary>The server's root, such as <c>http://127.0.0.1:41234/</c>; it ends with a slash.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Every request received, in order.</summary>
    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    /// <summary>Starts a server on a free port of 127.0.0.1.</summary>
    /// <param name="paths">The POST paths it answers, such as <c>/v1/chat/completions</c>.</param>
    /// <param name="unscriptedError">
    /// The JSON body of the 500 answered when no response is queued, in the wire's error shape, given the message.
    /// </param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running server.</returns>
    public static async Task<LoopbackServer> StartAsync(
        IReadOnlyList<string> paths, Func<string, object> unscriptedError, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(unscriptedError);
        var server = new LoopbackServer(unscriptedError);
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        WebApplication app = builder.Build();
        foreach (string path in paths)
        {
            app.MapPost(path, (RequestDelegate)server.HandleAsync);
        }

        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server._app = app;
        server.BaseAddress = new Uri(address.EndsWith('/') ? address : address + "/");
        return server;
    }

    /// <summary>Queues the response to the next request that has none yet.</summary>
    /// <typeparam name="T">The response's type.</typeparam>
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
        // A queued response may be waiting for a step the test will never release.
        foreach (ScriptedHttpResponse response in _responses)
        {
            response.Cancel();
        }

        if (_app is not null)
        {
            await _app.StopAsync(CancellationToken.None);
            await _app.DisposeAsync();
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach ((string name, StringValues values) in context.Request.Headers)
        {
            headers[name] = values.ToString();
        }

        var request = new RecordedRequest(JsonDocument.Parse(body.ToArray()).RootElement.Clone(), headers);
        _requests.Enqueue(request);

        if (!_responses.TryDequeue(out ScriptedHttpResponse? response))
        {
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            await context.Response.WriteAsJsonAsync(
                _unscriptedError($"The test server has no response scripted for request {_requests.Count}."),
                context.RequestAborted);
            return;
        }

        await response.WriteAsync(context, request);
    }
}
