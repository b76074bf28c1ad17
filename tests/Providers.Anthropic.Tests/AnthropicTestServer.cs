using System.Collections.Concurrent;
using System.Text.Json;
using Anthropic;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;
using ToolFlow.Pipeline.Tests;

namespace ToolFlow.Providers.Anthropic.Tests;

/// <summary>
/// A Kestrel server on 127.0.0.1 that speaks the Anthropic Messages API's streaming wire format. Each request to
/// <c>POST /v1/messages</c> gets the next scripted response; every request is recorded with its key headers.
/// </summary>
public sealed class AnthropicTestServer : IAsyncDisposable
{
    /// <summary>The API key the tests' clients send.</summary>
    public const string ApiKey = "sk-ant-test-key";

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ScriptedHttpResponse> _responses = new();
    private readonly ConcurrentQueue<AnthropicRequest> _requests = new();

    private AnthropicTestServer(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    /// <summary>The server's root, such as <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>Every request received, in order.</summary>
    public IReadOnlyList<AnthropicRequest> Requests => [.. _requests];

    /// <summary>Starts a server on a free port of 127.0.0.1.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running server.</returns>
    public static async Task<AnthropicTestServer> StartAsync(CancellationToken cancellationToken)
    {
        AnthropicTestServer? server = null;
        (WebApplication app, Uri address) = await LoopbackHost.StartAsync("/v1/messages", context => server!.HandleAsync(context), cancellationToken);
        server = new AnthropicTestServer(app, address);
        return server;
    }

    /// <summary>The official SDK's client, configured for this server, without retries.</summary>
    /// <param name="handlers">Handlers to put in the client's HTTP pipeline.</param>
    /// <returns>The client.</returns>
    public AnthropicClient Client(params DelegatingHandler[] handlers) => new()
    {
        ApiKey = ApiKey,
        BaseUrl = BaseAddress.ToString().TrimEnd('/'),
        MaxRetries = 0,
        Handlers = handlers,
    };

    /// <summary>The official SDK's <see cref="IChatClient"/> over <see cref="Client"/>.</summary>
    /// <returns>The chat client.</returns>
    public IChatClient ChatClient() => Client().AsIChatClient("claude-test");

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
        JsonElement json = JsonDocument.Parse(body.ToArray()).RootElement.Clone();
        string authorization = context.Request.Headers.Authorization.ToString();
        _requests.Enqueue(new AnthropicRequest(json, context.Request.Headers["x-api-key"].ToString(), authorization));

        if (!_responses.TryDequeue(out ScriptedHttpResponse? response))
        {
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            await context.Response.WriteAsJsonAsync(
                new { type = "error", error = new { type = "api_error", message = $"The test server has no response scripted for request {_requests.Count}." } },
                context.RequestAborted);
            return;
        }

        await response.WriteAsync(context, new RecordedRequest(json, authorization));
    }
}
