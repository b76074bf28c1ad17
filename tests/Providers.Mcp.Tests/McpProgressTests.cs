using Microsoft.Extensions.AI;
using ToolFlow.Blocks;
using ToolFlow.Pipeline;
using ToolFlow.Providers.Scripted;

namespace ToolFlow.Providers.Mcp.Tests;

/// <summary>An MCP server's progress notifications for a call reach the run's events as <see cref="ToolCallProgressed"/>.</summary>
public sealed class McpProgressTests
{
    private static ScriptedModelOptions FastModel => new() { TimeToFirstToken = TimeSpan.Zero, TokensPerSecond = 2000 };

    [Fact]
    public async Task RunAsync_ServerReportsProgress_EachNotificationIsAProgressEventOfTheCallBeforeItCompletes()
    {
        using var guard = new CancellationTokenSource(McpTestServers.HangGuard);
        await using McpToolSource source = await McpToolSource.StartAsync(McpTestServers.Node(McpTestServers.ProgressServerScript), guard.Token);
        AIFunction next = source.Tools.Single(t => t.Name == "next").Function;
        var model = new ScriptedChatClient(
            [
                new ScriptedResponse().Text("Working. ").Call("work", """{"steps": 3}"""),
                new ScriptedResponse().Text("All done."),
            ],
            FastModel);
        ToolPipeline pipeline = ToolPipeline.CreateBuilder(model).AddTools(source.Tools.Where(t => t.Name == "work")).Build();
        var moves = new List<Task<object?>>();

        // The server sends one step and waits: each progress event seen lets it send the next, so none is coalesced
        // away and the order is the server's, whatever the clock.
        List<ToolPipelineEvent> events = await McpTestServers.RunToEndAsync(pipeline, "go", guard.Token, seen =>
        {
            if (seen[^1] is ToolCallProgressed)
            {
                moves.Add(next.InvokeAsync(new AIFunctionArguments(), guard.Token).AsTask());
            }
        });
        await Task.WhenAll(moves);

        ToolCallProgressed[] progress = [.. events.OfType<ToolCallProgressed>()];
        Assert.Equal(
            [(1d, 3d, "step 1 of 3"), (2d, 3d, "step 2 of 3"), (3d, 3d, "step 3 of 3")],
            progress.Select(p => (p.Progress!.Value, p.Total!.Value, p.Message!)));
        ToolCallCompleted completed = Assert.Single(events.OfType<ToolCallCompleted>());
        Assert.All(progress, p => Assert.Equal(completed.Call.CallId, p.Call.CallId));
        Assert.Contains("done", completed.Result?.ToString(), StringComparison.Ordinal);

        // Every progress event lies between the call's start and its completion.
        int started = events.FindIndex(e => e is ToolCallStarted);
        int ended = events.IndexOf(completed);
        Assert.All(progress, p => Assert.InRange(events.IndexOf(p), started + 1, ended - 1));
        Assert.Equal("All done.", Assert.IsType<RunCompleted>(events[^1]).FinalText);
    }

    [Fact]
    public async Task InvokeAsync_OutsideAPipeline_AsksForNoProgress()
    {
        using var guard = new CancellationTokenSource(McpTestServers.HangGuard);
        await using McpToolSource source = await McpToolSource.StartAsync(McpTestServers.Node(McpTestServers.ProgressServerScript), guard.Token);
        AIFunction work = source.Tools.Single(t => t.Name == "work").Function;

        // Without a reporter the request carries no progress token, which this server answers with an error.
        object? result = await work.InvokeAsync(new AIFunctionArguments(new Dictionary<string, object?> { ["steps"] = 1 }), guard.Token);

        Assert.Contains("no progress token was sent", result?.ToString(), StringComparison.Ordinal);
        Assert.Null(ToolProgress.Current);
    }
}
