using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace ToolFlow.Orleans.Tests;

/// <summary>A redis-server process on 127.0.0.1 under a temp folder, for the cluster's membership and grain storage.</summary>
internal sealed class RedisServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _folder;

    private RedisServer(Process process, string folder, int port)
    {
        _process = process;
        _folder = folder;
        Endpoint = $"127.0.0.1:{port}";
    }

    /// <summary>host:port for StackExchange.Redis.</summary>
    public string Endpoint { get; }

    /// <summary>Starts a server with nothing saved to disk and waits (bounded) until it answers.</summary>
    public static async Task<RedisServer> StartAsync(CancellationToken cancellationToken)
    {
        string folder = Directory.CreateTempSubdirectory("toolflow-redis-").FullName;
        int port = FreePort();
        var start = new ProcessStartInfo("redis-server")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = folder,
        };
        foreach (string argument in (string[])["--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", folder])
        {
            start.ArgumentList.Add(argument);
        }

        var server = new RedisServer(Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start."), folder, port);
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                await using ConnectionMultiplexer connection = await ConnectionMultiplexer.ConnectAsync(server.Endpoint).WaitAsync(cancellationToken);
                return server;
            }
            catch (RedisConnectionException) when (attempt < 100 && !server._process.HasExited)
            {
                await Task.Delay(50, cancellationToken);
            }
        }
    }

    /// <summary>A free TCP port on 127.0.0.1.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
