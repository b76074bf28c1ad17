using ToolFlow.Samples.ChatUi;

namespace ToolFlow.Orleans.Tests;

/// <summary>A redis-server process on 127.0.0.1 under a temp folder (the chat app's <see cref="RedisProcess"/>), for membership and grain storage.</summary>
internal sealed class RedisServer : IAsyncDisposable
{
    private readonly RedisProcess _process;

    private RedisServer(RedisProcess process) => _process = process;

    /// <summary>host:port for StackExchange.Redis.</summary>
    public string Endpoint => _process.Endpoint;

    /// <summary>Starts a server with nothing saved to disk and waits (bounded) until it answers.</summary>
    public static async Task<RedisServer> StartAsync(CancellationToken cancellationToken) => new(await RedisProcess.StartAsync(cancellationToken));

    /// <summary>A free TCP port on 127.0.0.1.</summary>
    public static int FreePort() => RedisProcess.FreePort();

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
