using System.Globalization;
using System.Text;

namespace ToolFlow.Providers.Mcp;

/// <summary>
/// The MCP server behind a tool exited (or closed its pipes) before the call finished, or before it was made; or
/// its program could not be run at all. In a pipeline a call's exception is reported as its
/// <see cref="ToolFlow.Blocks.ToolCallFailed"/>, with this message.
/// </summary>
public sealed class McpServerExitedException : Exception
{
    /// <summary>Initializes an exception with a default message.</summary>
    public McpServerExitedException()
        : this("The MCP server exited.")
    {
    }

    /// <summary>Initializes an exception with a message.</summary>
    /// <param name="message">The message.</param>
    public McpServerExitedException(string message)
        : base(message)
    {
        ServerName = string.Empty;
        StandardErrorTail = [];
    }

    /// <summary>Initializes an exception with a message and its cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">What the MCP client reported.</param>
    public McpServerExitedException(string message, Exception? innerException)
        : base(message, innerException)
    {
        ServerName = string.Empty;
        StandardErrorTail = [];
    }

    /// <summary>Initializes an exception that describes how the server exited.</summary>
    /// <param name="serverName">The server's name.</param>
    /// <param name="toolName">The tool whose call was running or about to be made, if any.</param>
    /// <param name="exitCode">The server's exit code, when known.</param>
    /// <param name="standardErrorTail">The last lines the server wrote to its standard error.</param>
    /// <param name="innerException">What the MCP client reported.</param>
    public McpServerExitedException(string serverName, string? toolName, int? exitCode, IReadOnlyList<string>? standardErrorTail, Exception? innerException)
        : base(Describe(serverName, toolName, exitCode, standardErrorTail), innerException)
    {
        ServerName = serverName;
        ToolName = toolName;
        ExitCode = exitCode;
        StandardErrorTail = standardErrorTail ?? [];
    }

    private McpServerExitedException(string serverName, string message, Exception innerException)
        : base(message, innerException)
    {
        ServerName = serverName;
        StandardErrorTail = [];
    }

    /// <summary>The server's name.</summary>
    public string ServerName { get; }

    /// <summary>The tool whose call the exit cut short, if any.</summary>
    public string? ToolName { get; }

    /// <summary>The server's exit code, when known.</summary>
    public int? ExitCode { get; }

    /// <summary>The last lines the server wrote to its standard error, oldest first.</summary>
    public IReadOnlyList<string> StandardErrorTail { get; }

    /// <summary>The server's program could not be run at all (not found, not executable).</summary>
    internal static McpServerExitedException CouldNotStart(string serverName, Exception cause)
    {
        Exception root = cause;
        while (root.InnerException is not null)
        {
            root = root.InnerException;
        }

        return new McpServerExitedException(serverName, $"The MCP server '{serverName}' could not be started: {root.Message}", cause);
    }

    private static string Describe(string serverName, string? toolName, int? exitCode, IReadOnlyList<string>? standardErrorTail)
    {
        var message = new StringBuilder($"The MCP server '{serverName}' exited");
        if (exitCode is { } code)
        {
            message.Append(CultureInfo.InvariantCulture, $" with code {code}");
        }

        if (toolName is not null)
        {
            message.Append(CultureInfo.InvariantCulture, $" before the call to '{toolName}' finished");
        }

        message.Append('.');
        string[] tail = standardErrorTail is null ? [] : [.. standardErrorTail.Where(l => !string.IsNullOrWhiteSpace(l)).TakeLast(3).Select(l => l.Trim())];
        if (tail.Length > 0)
        {
            message.Append(" Its last error output: ").Append(string.Join(" | ", tail));
        }

        return message.ToString();
    }
}
