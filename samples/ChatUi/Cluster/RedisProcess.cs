using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace ToolFlow.Samples.ChatUi;

/// <summary>
/// A redis-server process on 127.0.0.1, on a free port, with its files in a temp folder and nothing saved to disk:
/// the cluster's membership table and grain storage. Disposing it kills it and removes the folder.
/// </summary>
public sealed class RedisProcess : IAsyncDisposable
{
    /// <summary>How long <see cref="StartAsync"/> waits for the server to answer.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);

    private readonly Process _process;

    private RedisProcess(Process process, string folder, int port)
    {
        _process = process;
        Folder = folder;
        Port = port;
    }

    /// <summary>The port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary><c>127.0.0.1:port</c>, for StackExchange.Redis and <c>--redis</c>.</summary>
    public string Endpoint => $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The temp folder the server runs in.</summary>
    public string Folder { get; }

    /// <summary>The server's process id.</summary>
    public int ProcessId => _process.Id;

    /// <summary>Starts <c>redis-server</c> from the PATH and waits (at most <see cref="StartTimeout"/>) until it answers.</summary>
    /// <param name="cancellationToken">Cancels the wait (the server is then stopped).</param>
    /// <returns>The running server.</returns>
    /// <exception cref="ChatUiArgumentException">redis-server is not installed.</exception>
    /// <exception cref="InvalidOperationException">It exited or did not answer in time.</exception>
    public static async Task<RedisProcess> StartAsync(CancellationToken cancellationToken)
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
        foreach (string argument in (string[])["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", folder])
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        }
        catch (Win32Exception e)
        {
            Directory.Delete(folder, recursive: true);
            throw new ChatUiArgumentException("redis-server is not installed (not on the PATH); on Debian or Ubuntu: sudo apt-get install redis-server.", e);
        }

        var server = new RedisProcess(process, folder, port);
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) => output.Enqueue(e.Data ?? string.Empty);
        process.ErrorDataReceived += (_, e) => output.Enqueue(e.Data ?? string.Empty);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(StartTimeout);
            while (true)
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"redis-server exited with code {process.ExitCode}: {string.Join(" | ", output.TakeLast(5))}");
                }

                try
                {
                    await using ConnectionMultiplexer connection = await ConnectionMultiplexer.ConnectAsync(server.Endpoint).WaitAsync(timeout.Token).ConfigureAwait(false);
                    return server;
                }
                catch (RedisConnectionException)
                {
                    // Not listening yet: try again shortly (bounded by the timeout).
                    await Task.Delay(TimeSpan.FromMilliseconds(50), TimeProvider.System, timeout.Token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException($"redis-server did not answer on {server.Endpoint} within {StartTimeout.TotalSeconds} s.", e);
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>A TCP port on 127.0.0.1 that was free a moment ago.</summary>
    /// <returns>The port.</returns>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Whether a port on 127.0.0.1 can be listened on now.</summary>
    /// <param name="port">The port.</param>
    /// <returns>Whether it is free.</returns>
    public static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Kills the server and removes its folder.</summary>
    /// <returns>A task that completes when it has exited.</returns>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                await _process.WaitForExitAsync().ConfigureAwait(false);
            }
        }
        catch (InvalidOperationException)
        {
            // It had already gone.
        }

        _process.Dispose();
        if (Directory.Exists(Folder))
        {
            Directory.Delete(Folder, recursive: true);
        }
    }
}
