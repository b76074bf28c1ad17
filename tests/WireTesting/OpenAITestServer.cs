namespace ToolFlow.WireTesting;

/// <summary>
/// A <see cref="LoopbackServer"/> that speaks OpenAI's wire formats: each request to <c>POST /v1/chat/completions</c>
/// or <c>POST /v1/responses</c> gets the next scripted <see cref="ScriptedHttpResponse"/>. The OpenAI provider tests
/// and the CLI's <c>run</c> tests both talk to it.
/// </summary>
public sealed class OpenAITestServer : IAsyncDisposable
{
    private readonly LoopbackServer _server;

    private OpenAITestServer(LoopbackServer server)
    {
        _server = server;
    }

    /// <summary>The server's root, such as <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress => _server.BaseAddress;

    /// <summary>The API endpoint a client is configured with: the root plus <c>v1</c>.</summary>
    public Uri Endpoint => new(BaseAddress, "v1");

    /// <summary>Every request received, in order.</summary>
    public IReadOnlyList<RecordedRequest> Requests => _server.Requests;

    /// <summary>Starts a server on a free port of 127.0.0.1.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running server.</returns>
    public static async Task<OpenAITestServer> StartAsync(CancellationToken cancellationToken) =>
        new(await LoopbackServer.StartAsync(
            ["/v1/chat/completions", "/v1/responses"],
            message => new { error = new { message, type = "test_error" } },
            cancellationToken));

    /// <summary>Queues the response to the next request that has none yet.</summary>
    /// <typeparam name="T">The response's type.</typeparam>
    /// <param name="response">The response.</param>
    /// <returns>The response, to step or await.</returns>
    public T Enqueue<T>(T response)
        where T : ScriptedHttpResponse => _server.Enqueue(response);

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
