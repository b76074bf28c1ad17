using ToolFlow.WireTesting;

namespace ToolFlow.Pipeline.Tests;

/// <summary>
/// A <see cref="LoopbackServer"/> that speaks Ollama's <c>POST /api/chat</c> streaming format. Each request gets the
/// next scripted <see cref="OllamaResponse"/>.
/// </summary>
public sealed class OllamaTestServer : IAsyncDisposable
{
    private readonly LoopbackServer _server;

    private OllamaTestServer(LoopbackServer server)
    {
        _server = server;
    }

    /// <summary>The server's root, such as <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress => _server.BaseAddress;

    /// <summary>Starts a server on a free port of 127.0.0.1.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running server.</returns>
    public static async Task<OllamaTestServer> StartAsync(CancellationToken cancellationToken) =>
        new(await LoopbackServer.StartAsync(["/api/chat"], message => new { error = message }, cancellationToken));

    /// <summary>Queues the response to the next request that has none yet.</summary>
    /// <param name="response">The response.</param>
    /// <returns>The response.</returns>
    public OllamaResponse Enqueue(OllamaResponse response) => _server.Enqueue(response);

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
