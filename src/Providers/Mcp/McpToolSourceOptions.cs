namespace ToolFlow.Providers.Mcp;

/// <summary>How to start an MCP server over stdio and present its tools; see <see cref="McpToolSource"/>.</summary>
public sealed class McpToolSourceOptions
{
    /// <summary>The program that runs the server, such as <c>node</c>, <c>npx</c> or <c>uvx</c>; looked up on the PATH.</summary>
    public required string Command
    {
        get;
        set
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(value);
            field = value;
        }
    }

    /// <summary>The program's arguments, each passed as it is (no shell).</summary>
    public IList<string> Arguments { get; set; } = [];

    /// <summary>A name for the server in messages; <see langword="null"/> (the default) uses the name the server reports.</summary>
    public string? Name { get; set; }

    /// <summary>The server's working directory; <see langword="null"/> (the default) for this process's.</summary>
    public string? WorkingDirectory { get; set; }

    /// <summary>Variables set for the server on top of this process's environment; a <see langword="null"/> value removes one.</summary>
    public IDictionary<string, string?> EnvironmentVariables { get; set; } = new Dictionary<string, string?>(StringComparer.Ordinal);

    /// <summary>
    /// Put before each tool's name, to tell apart tools of several servers that share names (for example
    /// <c>"fs_"</c>); the server is still called with the tool's own name. Default none.
    /// </summary>
    public string? ToolNamePrefix { get; set; }

    /// <summary>How long to wait for the server's handshake before giving up. Default 60 seconds.</summary>
    public TimeSpan InitializationTimeout
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero);
            field = value;
        }
    } = TimeSpan.FromSeconds(60);

    /// <summary>How long the server may take to exit after its input closes before it is killed. Default 5 seconds.</summary>
    public TimeSpan ShutdownTimeout
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            field = value;
        }
    } = TimeSpan.FromSeconds(5);

    /// <summary>Options that start the program named by a command line, such as <c>npx -y @modelcontextprotocol/server-memory</c>.</summary>
    /// <param name="commandLine">The program and its arguments, split as <see cref="McpCommandLine.Split"/> does (quotes group words).</param>
    /// <returns>The options.</returns>
    /// <exception cref="FormatException">The command line is blank or its quoting is broken.</exception>
    public static McpToolSourceOptions FromCommandLine(string commandLine)
    {
        IReadOnlyList<string> words = McpCommandLine.Split(commandLine);
        if (words.Count == 0 || string.IsNullOrWhiteSpace(words[0]))
        {
            throw new FormatException("The MCP server's command line names no program.");
        }

        return new McpToolSourceOptions { Command = words[0], Arguments = [.. words.Skip(1)] };
    }

    internal McpToolSourceOptions Clone() => new()
    {
        Command = Command,
        Arguments = [.. Arguments],
        Name = Name,
        WorkingDirectory = WorkingDirectory,
        EnvironmentVariables = new Dictionary<string, string?>(EnvironmentVariables, StringComparer.Ordinal),
        ToolNamePrefix = ToolNamePrefix,
        InitializationTimeout = InitializationTimeout,
        ShutdownTimeout = ShutdownTimeout,
    };
}
