using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;
using ToolFlow.Pipeline;

namespace ToolFlow.Providers.Mcp.Tests;

/// <summary>Where the MCP servers the tests start live, and how to quote paths into a command line.</summary>
internal static class McpTestServers
{
    /// <summary>How long any MCP test may take before it is failed as hung; generous, never a measure of speed.</summary>
    public static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(2);

    /// <summary>The reference filesystem server, installed by ./test.sh under tests/.npm.</summary>
    public static string FilesystemServerScript
    {
        get
        {
            string script = Path.Combine(TestsDirectory(), ".npm", "node_modules", "@modelcontextprotocol", "server-filesystem", "dist", "index.js");
            Assert.True(
                File.Exists(script),
                $"The MCP filesystem server is not installed at {script}. Run ./test.sh, which installs it with " +
                "'npm install --prefix tests/.npm @modelcontextprotocol/server-filesystem@<version>'.");
            return script;
        }
    }

    /// <summary>A tiny MCP server of our own whose tools echo, hang, crash, or report the server's process id.</summary>
    public static string FailingServerScript => Path.Combine(SourceDirectory(), "failing-server.mjs");

    /// <summary>A tiny MCP server of our own whose tool reports progress one step at a time, as the test asks.</summary>
    public static string ProgressServerScript => Path.Combine(SourceDirectory(), "progress-server.mjs");

    /// <summary>A command line that runs a node script with arguments, each quoted.</summary>
    /// <param name="script">The script.</param>
    /// <param name="arguments">Its arguments.</param>
    /// <returns>The command line.</returns>
    public static string Node(string script, params string[] arguments) =>
        string.Join(' ', new[] { "node", script }.Concat(arguments).Select(Quote));

    /// <summary>Single-quotes a word for <see cref="McpCommandLine.Split"/>.</summary>
    /// <param name="word">The word.</param>
    /// <returns>The quoted word.</returns>
    public static string Quote(string word) => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>
    /// Runs a pipeline to its end, collecting its events; a run the guard cancels fails the test as hung, listing
    /// the events it saw.
    /// </summary>
    /// <param name="pipeline">The pipeline.</param>
    /// <param name="prompt">The user's message.</param>
    /// <param name="guard">Cancelled when the run is taken to have hung.</param>
    /// <param name="onEvent">Called with the events so far after each event arrives.</param>
    /// <returns>The events, ending with <see cref="RunCompleted"/>.</returns>
    public static async Task<List<ToolPipelineEvent>> RunToEndAsync(ToolPipeline pipeline, string prompt, CancellationToken guard, Action<List<ToolPipelineEvent>>? onEvent = null)
    {
        List<ToolPipelineEvent> events = [];
        try
        {
            await foreach (ToolPipelineEvent e in pipeline.RunAsync([new(ChatRole.User, prompt)], guard))
            {
                events.Add(e);
                onEvent?.Invoke(events);
            }
        }
        catch (OperationCanceledException) when (guard.IsCancellationRequested)
        {
            Assert.Fail($"The run hung; it got {events.Count} events: {string.Join(", ", events.Select(Describe))}");
        }

        return events;
    }

    private static string Describe(ToolPipelineEvent e) => e switch
    {
        ToolCallStarted s => $"{nameof(ToolCallStarted)}({s.Call.CallId} {s.Call.Name})",
        ToolCallCompleted c => $"{nameof(ToolCallCompleted)}({c.Call.CallId} {c.Call.Name})",
        ToolCallFailed f => $"{nameof(ToolCallFailed)}({f.Call.CallId} {f.Call.Name}: {f.Message})",
        _ => e.GetType().Name,
    };

    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;

    private static string TestsDirectory() => Path.GetFullPath(Path.Combine(SourceDirectory(), ".."));
}
