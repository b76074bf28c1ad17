using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;
using ToolFlow.Pipeline;
using ToolFlow.Providers.Scripted;

namespace ToolFlow.Providers.Mcp.Tests;

/// <summary>MCP servers that exit under a call, fail to start, or are gone: a clear error, never a hang.</summary>
public sealed class McpServerFailureTests
{
    private static ScriptedModelOptions FastModel => new() { TimeToFirstToken = TimeSpan.Zero, TokensPerSecond = 2000 };

    private static Task<McpToolSource> StartFailingServerAsync(CancellationToken cancellationToken) =>
        McpToolSource.StartAsync(McpTestServers.Node(McpTestServers.FailingServerScript), cancellationToken);

    private static AIFunction Tool(McpToolSource source, string name) => source.Tools.Single(t => t.Name == name).Function;

    [Fact]
    public async Task RunAsync_ServerExitsMidCall_EveryOutstandingCallFailsSayingTheServerExited()
    {
        using var guard = new CancellationTokenSource(McpTestServers.HangGuard);
        await using McpToolSource source = await StartFailingServerAsync(guard.Token);
        var model = new ScriptedChatClient(
            [
                new ScriptedResponse().Text("Trying. ").Call("hang", "{}").Call("crash", """{"code": 3}"""),
                new ScriptedResponse().Text("The tool server is gone."),
            ],
            FastModel);
        ToolPipeline pipeline = ToolPipeline.CreateBuilder(model).AddTools(source.Tools).Build();

        List<ToolPipelineEvent> events = await McpTestServers.RunToEndAsync(pipeline, "go", guard.Token);

        // Both calls were running when the server died, and both fail naming the exit, its code and its last words.
        ToolCallFailed[] failures = [.. events.OfType<ToolCallFailed>().OrderBy(f => f.Call.Index)];
        Assert.Equal(["hang", "crash"], failures.Select(f => f.Call.Name));
        Assert.All(failures, f =>
        {
            Assert.Equal(ToolCallFailureKind.ToolException, f.Kind);
            McpServerExitedException exited = Assert.IsType<McpServerExitedException>(f.Exception);
            Assert.Equal(f.Call.Name, exited.ToolName);
            Assert.Equal("failing-server", exited.ServerName);
            Assert.Equal(3, exited.ExitCode);
            Assert.Contains("The MCP server 'failing-server' exited with code 3", f.Message, StringComparison.Ordinal);
            Assert.Contains("crashing on purpose", f.Message, StringComparison.Ordinal);
            Assert.NotNull(f.Duration);
        });
        Assert.All(failures, f => Assert.Contains(events.OfType<ToolCallStarted>(), s => s.Call.CallId == f.Call.CallId));
        Assert.True(source.HasExited);

        // The conversation stays consistent: each call has its (error) result, and the model answered after them.
        RunCompleted completed = Assert.IsType<RunCompleted>(events[^1]);
        Assert.Equal(RunCompletionReason.FinalAnswer, completed.Reason);
        FunctionResultContent[] results = [.. completed.Messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>()];
        Assert.Equal(failures.Select(f => f.Call.CallId), results.Select(r => r.CallId));
        Assert.Equal("The tool server is gone.", completed.FinalText);
    }

    [Fact]
    public async Task InvokeAsync_ServerKilledWhileCallOutstanding_FailsSayingTheServerExited()
    {
        using var guard = new CancellationTokenSource(McpTestServers.HangGuard);
        await using McpToolSource source = await StartFailingServerAsync(guard.Token);
        int pid = int.Parse(await EchoTextAsync(Tool(source, "pid"), guard.Token), CultureInfo.InvariantCulture);

        Task<object?> hanging = Tool(source, "hang").InvokeAsync(new AIFunctionArguments(), guard.Token).AsTask();
        Assert.False(hanging.IsCompleted);
        using (Process server = Process.GetProcessById(pid))
        {
            server.Kill();
        }

        McpServerExitedException exited = await Assert.ThrowsAsync<McpServerExitedException>(() => hanging);
        Assert.Equal("hang", exited.ToolName);
        Assert.StartsWith("The MCP server 'failing-server' exited", exited.Message, StringComparison.Ordinal);
        Assert.Contains("before the call to 'hang' finished", exited.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_AfterServerExited_FailsAtOnceSayingTheServerExited()
    {
        using var guard = new CancellationTokenSource(McpTestServers.HangGuard);
        await using McpToolSource source = await StartFailingServerAsync(guard.Token);
        Assert.Equal("still here", await EchoTextAsync(Tool(source, "echo"), guard.Token, ("text", "still here")));
        await Assert.ThrowsAsync<McpServerExitedException>(() => Tool(source, "crash").InvokeAsync(new AIFunctionArguments(), guard.Token).AsTask());
        await source.Completion.WaitAsync(guard.Token);

        McpServerExitedException exited = await Assert.ThrowsAsync<McpServerExitedException>(
            () => Tool(source, "echo").InvokeAsync(new AIFunctionArguments { ["text"] = "anyone?" }, guard.Token).AsTask());
        Assert.Equal("echo", exited.ToolName);
        Assert.Equal(3, exited.ExitCode);
        Assert.Equal(["failing-server: crashing on purpose"], exited.StandardErrorTail);
    }

    [Fact]
    public async Task StartAsync_ProgramExitsAtOnce_ThrowsSayingTheServerExited()
    {
        using var guard = new CancellationTokenSource(McpTestServers.HangGuard);

        McpServerExitedException exited = await Assert.ThrowsAsync<McpServerExitedException>(
            () => McpToolSource.StartAsync("node -e \"console.error('no MCP here'); process.exit(7)\"", guard.Token));

        Assert.Equal(7, exited.ExitCode);
        Assert.Contains("exited with code 7", exited.Message, StringComparison.Ordinal);
        Assert.Contains("no MCP here", exited.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_ProgramDoesNotExist_ThrowsSayingTheServerCouldNotStart()
    {
        using var guard = new CancellationTokenSource(McpTestServers.HangGuard);

        McpServerExitedException exited = await Assert.ThrowsAsync<McpServerExitedException>(
            () => McpToolSource.StartAsync("toolflow-no-such-program --flag", guard.Token));

        Assert.Equal("toolflow-no-such-program", exited.ServerName);
        Assert.StartsWith("The MCP server 'toolflow-no-such-program' could not be started: ", exited.Message, StringComparison.Ordinal);
        Assert.Null(exited.ExitCode);
    }

    [Fact]
    public async Task StartAsync_ServerNeverAnswersHandshake_ThrowsTimeoutException()
    {
        using var guard = new CancellationTokenSource(McpTestServers.HangGuard);
        McpToolSourceOptions options = McpToolSourceOptions.FromCommandLine("node -e \"setInterval(() => {}, 60000)\"");
        options.InitializationTimeout = TimeSpan.FromSeconds(1);
        options.ShutdownTimeout = TimeSpan.Zero;

        TimeoutException timeout = await Assert.ThrowsAsync<TimeoutException>(() => McpToolSource.StartAsync(options, guard.Token));

        Assert.StartsWith("The MCP server 'node' did not complete its handshake within 1 s", timeout.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_AlreadyCancelled_ThrowsOperationCanceledException()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => McpToolSource.StartAsync(McpTestServers.Node(McpTestServers.FailingServerScript), cancelled.Token));
    }

    [Fact]
    public async Task StartAllAsync_TwoServers_ConnectsBothInOrder()
    {
        using var guard = new CancellationTokenSource(McpTestServers.HangGuard);
        string line = McpTestServers.Node(McpTestServers.FailingServerScript);

        IReadOnlyList<McpToolSource> sources = await McpToolSource.StartAllAsync([line, line], guard.Token);
        try
        {
            Assert.Equal(2, sources.Count);
            Assert.All(sources, s => Assert.Equal(["echo", "hang", "crash", "pid"], s.Tools.Select(t => t.Name)));
            Assert.NotEqual(
                await EchoTextAsync(Tool(sources[0], "pid"), guard.Token),
                await EchoTextAsync(Tool(sources[1], "pid"), guard.Token));
        }
        finally
        {
            foreach (McpToolSource source in sources)
            {
                await source.DisposeAsync();
            }
        }

        Assert.All(sources, s => Assert.True(s.HasExited));
    }

    [Fact]
    public async Task StartAllAsync_OneServerFailsToStart_ThrowsItsFailure()
    {
        using var guard = new CancellationTokenSource(McpTestServers.HangGuard);

        McpServerExitedException exited = await Assert.ThrowsAsync<McpServerExitedException>(
            () => McpToolSource.StartAllAsync([McpTestServers.Node(McpTestServers.FailingServerScript), "node -e \"process.exit(5)\""], guard.Token));

        Assert.Equal(5, exited.ExitCode);
    }

    [Fact]
    public async Task StartAllAsync_BrokenQuoting_ThrowsFormatExceptionBeforeStartingAny()
    {
        await Assert.ThrowsAsync<FormatException>(() => McpToolSource.StartAllAsync(["node 'unclosed"]));
    }

    private static async Task<string> EchoTextAsync(AIFunction tool, CancellationToken cancellationToken, params (string Name, object? Value)[] arguments)
    {
        var args = new AIFunctionArguments();
        foreach ((string name, object? value) in arguments)
        {
            args[name] = value;
        }

        object? result = await tool.InvokeAsync(args, cancellationToken);
        return Assert.IsType<TextContent>(result).Text;
    }
}
