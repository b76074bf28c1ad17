using Anthropic;
using Microsoft.Extensions.AI;

namespace ToolFlow.Providers.Anthropic.Tests;

/// <summary>
/// A <see cref="LoopbackServer"/> that speaks the Anthropic Messages API's streaming wire format. Each request to
/// <c>POST /v1/messages</c> gets the next scripted response; every request is recorded with its key headers.
/// </summary>
public sealed class AnthropicTestServer : IAsyncDisposable
{
    /// <summary>The API key the tests' clients send.</summary>
    public const string ApiKey = "sk-ant-test-key";

    private readonly LoopbackServer _server;

    private AnthropicTestServer(LoopbackServer server)
    {
        _server = server;
    }

    /// <summary>The server's root, such as <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress => _server.BaseAddress;

    /// <summary>Every request received, in order.</summary>
    public IReadOnlyList<AnthropicRequest> Requests =>
        [.. _server.Requests.Select(r => new AnthropicRequest(r.Body, r.Header("x-api-key"), r.Authorization))];

    /// <summary>Starts a server on a free port of 127.0.0.1.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running server.</returns>
    public static async Task<AnthropicTestServer> StartAsync(CancellationToken cancellationToken) =>
        new(await LoopbackServer.StartAsync(
            ["/v1/messages"],
            message => new { type = "error", error = new { type = "api_error", message } },
            cancellationToken));

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
    /// <typeparam name="T">The response's type.</typeparam>
    /// <param name="response">The response.</param>
    /// <returns>The response, to step or await.</returns>
    public T Enqueue<T>(T response)
        where T : ScriptedHttpResponse => _server.Enqueue(response);

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
