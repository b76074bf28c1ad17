using System.Reflection;
using Microsoft.Extensions.AI;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ToolFlow.Blocks;

namespace ToolFlow.Providers.Mcp;

/// <summary>
/// The tools of one MCP server run over stdio: starts the server, connects with the <c>ModelContextProtocol</c>
/// client, and lists its tools as <see cref="ToolDescriptor"/>s whose effects come from the tools' annotations
/// (<c>readOnlyHint</c>, <c>idempotentHint</c>, <c>destructiveHint</c>; see <see cref="ToolDescriptor.FromHints"/>).
/// Dispose it to stop the server.
/// </summary>
/// <example>
/// <code>
/// await using McpToolSource files = await McpToolSource.StartAsync("npx -y @modelcontextprotocol/server-filesystem /tmp");
/// ToolPipeline pipeline = ToolPipeline.CreateBuilder(chatClient).AddTools(files.Tools).Build();
/// </code>
/// </example>
/// <remarks>
/// A call whose server exits before it answers, and any call made after, fails with an
/// <see cref="McpServerExitedException"/> naming the server, its exit code and its last error output; in a pipeline
/// that is the call's <see cref="ToolCallFailed"/>. An error the server returns as the tool's result (MCP's
/// <c>isError</c>) reaches the model as the result, as the MCP specification intends. Run in a pipeline, a call asks
/// for progress (its request carries a progress token), and the server's <c>notifications/progress</c> for it become
/// the call's <see cref="ToolCallProgressed"/> events; one whose progress does not increase is stale and dropped.
/// </remarks>
public sealed class McpToolSource : IAsyncDisposable
{
    private readonly McpClient _client;
    private readonly string _command;
    private int _disposed;

    private McpToolSource(McpClient client, string name, string command)
    {
        _client = client;
        Name = name;
        _command = command;
        Tools = [];
    }

    /// <summary>The server's name: <see cref="McpToolSourceOptions.Name"/>, else the name the server reports, else the program's.</summary>
    public string Name { get; }

    /// <summary>The server's tools, in the order it lists them, with effects from their annotations.</summary>
    /// <remarks>
    /// Each <see cref="ToolDescriptor.Function"/> calls the server; its <c>GetService&lt;McpClientTool&gt;()</c> gives
    /// the SDK's tool, with the server's own definition in <see cref="McpClientTool.ProtocolTool"/>.
    /// </remarks>
    public IReadOnlyList<ToolDescriptor> Tools { get; private set; }

    /// <summary>The connected MCP client, for resources, prompts and anything else the server offers.</summary>
    public McpClient Client => _client;

    /// <summary>Whether the session has ended: the server exited or closed its pipes, or the source was disposed.</summary>
    public bool HasExited => _client.Completion.IsCompleted;

    /// <summary>Completes when the session ends, however it ends; never faults.</summary>
    public Task Completion => _client.Completion;

    /// <summary>Starts the server a command line names, connects, and lists its tools.</summary>
    /// <param name="commandLine">
    /// The program and its arguments, such as <c>npx -y @modelcontextprotocol/server-filesystem "/my files"</c>; split
    /// as <see cref="McpCommandLine.Split"/> does, with quotes grouping words, and run without a shell.
    /// </param>
    /// <param name="cancellationToken">Cancels starting; the server is stopped.</param>
    /// <returns>The connected source.</returns>
    /// <exception cref="FormatException">The command line is blank or its quoting is broken.</exception>
    /// <exception cref="McpServerExitedException">The program could not be run, or the server exited before it answered.</exception>
    /// <exception cref="TimeoutException">The server did not complete its handshake within 60 seconds.</exception>
    public static Task<McpToolSource> StartAsync(string commandLine, CancellationToken cancellationToken = default) =>
        StartAsync(McpToolSourceOptions.FromCommandLine(commandLine), cancellationToken);

    /// <summary>Starts a server, connects, and lists its tools.</summary>
    /// <param name="options">The program, its arguments and environment, and how to present its tools.</param>
    /// <param name="cancellationToken">Cancels starting; the server is stopped.</param>
    /// <returns>The connected source.</returns>
    /// <exception cref="McpServerExitedException">The program could not be run, or the server exited before it answered.</exception>
    /// <exception cref="TimeoutException">The server did not complete its handshake within <see cref="McpToolSourceOptions.InitializationTimeout"/>.</exception>
    public static async Task<McpToolSource> StartAsync(McpToolSourceOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options = options.Clone();
        string program = Path.GetFileName(options.Command);
        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Command = options.Command,
            Arguments = options.Arguments,
            Name = options.Name ?? program,
            WorkingDirectory = options.WorkingDirectory,
            EnvironmentVariables = options.EnvironmentVariables,
            ShutdownTimeout = options.ShutdownTimeout,
        });
        var clientOptions = new McpClientOptions
        {
            ClientInfo = new Implementation { Name = "ToolFlow", Version = ClientVersion },
            InitializationTimeout = options.InitializationTimeout,
        };

        McpClient client;
        try
        {
            client = await McpClient.CreateAsync(transport, clientOptions, loggerFactory: null, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            string serverName = options.Name ?? program;
            if (FindInner<System.ComponentModel.Win32Exception>(e) is not null)
            {
                throw McpServerExitedException.CouldNotStart(serverName, e);
            }

            if (IsTransportClosed(e))
            {
                (int? code, IReadOnlyList<string>? tail) = Details(e);
                throw new McpServerExitedException(serverName, null, code, tail, e);
            }

            if (FindInner<TimeoutException>(e) is not null)
            {
                throw new TimeoutException(
                    $"The MCP server '{serverName}' did not complete its handshake within {options.InitializationTimeout.TotalSeconds:0.###} s; it was stopped.", e);
            }

            throw;
        }

        string name = options.Name ?? (string.IsNullOrWhiteSpace(client.ServerInfo?.Name) ? program : client.ServerInfo.Name);
        var source = new McpToolSource(client, name, options.Command);
        try
        {
            IList<McpClientTool> tools = await client.ListToolsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            source.Tools = [.. tools.Select(t => source.Describe(t, options.ToolNamePrefix))];
            return source;
        }
        catch (Exception e)
        {
            await source.DisposeAsync().ConfigureAwait(false);
            if (e is OperationCanceledException && cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            if (source.HasExited || IsTransportClosed(e))
            {
                throw source.CreateExitedException(null, e);
            }

            throw;
        }
    }

    /// <summary>
    /// Starts several servers side by side, as <c>toolflow run --mcp "COMMAND ARGS"</c> (repeatable) does. If any
    /// fails to start, the others are stopped and the first failure is thrown.
    /// </summary>
    /// <param name="commandLines">One command line per server; see <see cref="StartAsync(string, CancellationToken)"/>.</param>
    /// <param name="cancellationToken">Cancels starting; every server is stopped.</param>
    /// <returns>The connected sources, in the order of <paramref name="commandLines"/>; dispose each.</returns>
    /// <exception cref="FormatException">A command line is blank or its quoting is broken (no server is started).</exception>
    /// <exception cref="McpServerExitedException">A program could not be run, or a server exited before it answered.</exception>
    /// <exception cref="TimeoutException">A server did not complete its handshake within 60 seconds.</exception>
    public static Task<IReadOnlyList<McpToolSource>> StartAllAsync(IEnumerable<string> commandLines, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(commandLines);
        return StartAllAsync([.. commandLines.Select(McpToolSourceOptions.FromCommandLine)], cancellationToken);
    }

    /// <summary>
    /// Starts several servers side by side. If any fails to start, the others are stopped and the first failure is
    /// thrown.
    /// </summary>
    /// <param name="servers">Each server's options; see <see cref="StartAsync(McpToolSourceOptions, CancellationToken)"/>.</param>
    /// <param name="cancellationToken">Cancels starting; every server is stopped.</param>
    /// <returns>The connected sources, in the order of <paramref name="servers"/>; dispose each.</returns>
    /// <exception cref="McpServerExitedException">A program could not be run, or a server exited before it answered.</exception>
    /// <exception cref="TimeoutException">A server did not complete its handshake within its <see cref="McpToolSourceOptions.InitializationTimeout"/>.</exception>
    public static async Task<IReadOnlyList<McpToolSource>> StartAllAsync(IReadOnlyList<McpToolSourceOptions> servers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(servers);
        Task<McpToolSource>[] starts = [.. servers.Select(o => StartAsync(o, cancellationToken))];
        try
        {
            return await Task.WhenAll(starts).ConfigureAwait(false);
        }
        catch
        {
            foreach (Task<McpToolSource> start in starts)
            {
                if (start.IsCompletedSuccessfully)
                {
                    await start.Result.DisposeAsync().ConfigureAwait(false);
                }
            }

            throw;
        }
    }

    /// <summary>Stops the server: closes its input, waits up to <see cref="McpToolSourceOptions.ShutdownTimeout"/>, then kills it.</summary>
    /// <returns>A task that completes when the server is gone.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await _client.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"MCP server '{Name}' ({_command}), {Tools.Count} tools";

    internal static bool IsTransportClosed(Exception e) =>
        FindInner<ClientTransportClosedException>(e) is not null || FindInner<ObjectDisposedException>(e) is not null
        || (FindInner<IOException>(e) is not null && FindInner<System.ComponentModel.Win32Exception>(e) is null);

    internal McpServerExitedException CreateExitedException(string? toolName, Exception? cause)
    {
        ClientCompletionDetails? details = _client.Completion.IsCompletedSuccessfully ? _client.Completion.Result : null;
        (int? code, IReadOnlyList<string>? tail) = details is not null ? Details(details)
            : cause is not null ? Details(cause)
            : (null, null);
        return new McpServerExitedException(Name, toolName, code, tail, cause ?? details?.Exception);
    }

    private static string ClientVersion =>
        typeof(McpToolSource).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "1.0.0";

    private static (int? ExitCode, IReadOnlyList<string>? StandardErrorTail) Details(ClientCompletionDetails? details) =>
        details is StdioClientCompletionDetails stdio ? (stdio.ExitCode, stdio.StandardErrorTail) : (null, null);

    private static (int? ExitCode, IReadOnlyList<string>? StandardErrorTail) Details(Exception e) =>
        FindInner<ClientTransportClosedException>(e) is { } closed ? Details(closed.Details) : (null, null);

    private static T? FindInner<T>(Exception e)
        where T : Exception
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is T found)
            {
                return found;
            }
        }

        return null;
    }

    private ToolDescriptor Describe(McpClientTool tool, string? prefix)
    {
        McpClientTool named = string.IsNullOrEmpty(prefix) ? tool : tool.WithName(prefix + tool.Name);
        ToolAnnotations? hints = tool.ProtocolTool.Annotations;
        return ToolDescriptor.FromHints(new McpToolFunction(named, this), hints?.ReadOnlyHint, hints?.IdempotentHint, hints?.DestructiveHint);
    }
}
