using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.AI;
using ModelContextProtocol.Client;
using ToolFlow.Blocks;
using ToolFlow.Pipeline;
using ToolFlow.Providers.Scripted;

namespace ToolFlow.Providers.Mcp.Tests;

/// <summary>
/// End to end against the reference MCP filesystem server (npm <c>@modelcontextprotocol/server-filesystem</c>, run
/// with node over stdio, installed by ./test.sh), driven by the scripted model through a whole pipeline.
/// </summary>
public sealed class McpFilesystemServerTests : IDisposable
{
    private readonly string _root;

    public McpFilesystemServerTests()
    {
        // A space in the path, so the command line's quoting is exercised end to end.
        _root = Path.Combine(Path.GetTempPath(), $"toolflow mcp {Guid.NewGuid():N}");
        Directory.CreateDirectory(Path.Combine(_root, "notes"));
        File.WriteAllText(Path.Combine(_root, "alpha.txt"), "alpha contents");
        File.WriteAllText(Path.Combine(_root, "bravo.txt"), "bravo contents");
        File.WriteAllText(Path.Combine(_root, "notes", "todo.md"), "- ship it");
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string In(string relative) => Path.Combine(_root, relative);

    private Task<McpToolSource> StartAsync(CancellationToken cancellationToken) =>
        McpToolSource.StartAsync(McpTestServers.Node(McpTestServers.FilesystemServerScript, _root), cancellationToken);

    [Fact]
    public async Task StartAsync_FilesystemServer_MapsEachToolsAnnotationsToEffects()
    {
        using var guard = new CancellationTokenSource(McpTestServers.HangGuard);
        await using McpToolSource source = await StartAsync(guard.Token);

        Assert.Equal("secure-filesystem-server", source.Name);
        Dictionary<string, ToolEffects> effects = source.Tools.ToDictionary(t => t.Name, t => t.Effects);

        // As the server annotates them: readOnlyHint, else idempotentHint, else side-effecting.
        Assert.Equal(ToolEffects.ReadOnly, effects["read_file"]);
        Assert.Equal(ToolEffects.ReadOnly, effects["read_text_file"]);
        Assert.Equal(ToolEffects.ReadOnly, effects["list_directory"]);
        Assert.Equal(ToolEffects.ReadOnly, effects["search_files"]);
        Assert.Equal(ToolEffects.Idempotent, effects["write_file"]);
        Assert.Equal(ToolEffects.Idempotent, effects["create_directory"]);
        Assert.Equal(ToolEffects.SideEffecting, effects["edit_file"]);
        Assert.Equal(ToolEffects.SideEffecting, effects["move_file"]);

        // Each descriptor's effects are exactly what FromHints makes of that tool's own annotations.
        Assert.All(source.Tools, tool =>
        {
            McpClientTool mcp = Assert.IsType<McpClientTool>(tool.Function.GetService<McpClientTool>());
            Assert.Equal(tool.Name, mcp.ProtocolTool.Name);
            var hints = mcp.ProtocolTool.Annotations;
            Assert.Equal(ToolDescriptor.FromHints(tool.Function, hints?.ReadOnlyHint, hints?.IdempotentHint, hints?.DestructiveHint).Effects, tool.Effects);
            Assert.Equal(mcp.ProtocolTool.InputSchema.GetRawText(), tool.Function.JsonSchema.GetRawText());
        });
    }

    [Fact]
    public async Task FromMetadata_TheSdksOwnClientTools_ReadTheirAnnotations()
    {
        using var guard = new CancellationTokenSource(McpTestServers.HangGuard);
        await using McpToolSource source = await StartAsync(guard.Token);

        // A McpClientTool passed as it is (in ChatOptions.Tools, or to AddTool) is described by its server's annotations.
        Assert.All(source.Tools, tool =>
        {
            McpClientTool mcp = Assert.IsType<McpClientTool>(tool.Function.GetService<McpClientTool>());
            Assert.Empty(mcp.AdditionalProperties);
            Assert.Equal(tool.Effects, ToolDescriptor.FromMetadata(mcp).Effects);
            Assert.Equal(tool.Effects, ToolDescriptor.FromMetadata(tool.Function).Effects);
        });
        Assert.Contains(source.Tools, t => t.Effects == ToolEffects.ReadOnly);
        Assert.Contains(source.Tools, t => t.Effects == ToolEffects.Idempotent);
        Assert.Contains(source.Tools, t => t.Effects == ToolEffects.SideEffecting);
    }

    [Fact]
    public async Task AsToolPipelineClient_SdkToolsStraightInChatOptions_ReadOnlyCallRunsBeforeTheResponseEnds()
    {
        using var guard = new CancellationTokenSource(McpTestServers.HangGuard);
        await using McpToolSource source = await StartAsync(guard.Token);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var model = new GatedModel(Json(new { path = In("alpha.txt") }), gate.Task);
        IChatClient client = model.AsToolPipelineClient();
        var options = new ChatOptions { Tools = [.. source.Tools.Select(t => t.Function.GetService<McpClientTool>()!)] };

        // The model holds the rest of its first response until the test has seen the read's result: only a read that
        // starts mid-decode (read_text_file is annotated read-only) lets it finish before the guard fails the test.
        var updates = new List<ChatResponseUpdate>();
        await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Read alpha.")], options, guard.Token))
        {
            updates.Add(update);
            if (update.Contents.OfType<FunctionResultContent>().Any(r => r.CallId == "call-1"))
            {
                gate.TrySetResult();
            }
        }

        int result = updates.FindIndex(u => u.Contents.OfType<FunctionResultContent>().Any());
        int restOfTurn1 = updates.FindIndex(u => u.Text.Contains("Reading on.", StringComparison.Ordinal));
        Assert.InRange(result, 0, restOfTurn1 - 1);
        Assert.Contains("alpha contents", ResultText(updates[result].Contents.OfType<FunctionResultContent>().Single().Result), StringComparison.Ordinal);
        Assert.Equal("It says alpha contents.", updates.ToChatResponse().Messages[^1].Text);
    }

    [Fact]
    public async Task StartAsync_ToolNamePrefix_PrefixesNamesAndStillCallsTheServersTool()
    {
        using var guard = new CancellationTokenSource(McpTestServers.HangGuard);
        McpToolSourceOptions options = McpToolSourceOptions.FromCommandLine(McpTestServers.Node(McpTestServers.FilesystemServerScript, _root));
        options.ToolNamePrefix = "fs_";
        await using McpToolSource source = await McpToolSource.StartAsync(options, guard.Token);

        Assert.All(source.Tools, t => Assert.StartsWith("fs_", t.Name, StringComparison.Ordinal));
        ToolDescriptor read = source.Tools.Single(t => t.Name == "fs_read_text_file");
        Assert.Equal(ToolEffects.ReadOnly, read.Effects);
        object? result = await read.Function.InvokeAsync(new AIFunctionArguments { ["path"] = In("alpha.txt") }, guard.Token);
        Assert.Contains("alpha contents", ResultText(result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_SeveralReadsInOneResponse_RunInParallelOnTheServerAndResultsReachTheConversation()
    {
        using var guard = new CancellationTokenSource(McpTestServers.HangGuard);
        await using McpToolSource source = await StartAsync(guard.Token);

        // The first read is of a FIFO: the server's read blocks until the test writes into it, which it does only
        // once every other call has completed. A pipeline or client that ran the calls one at a time would never
        // get there (and the guard would fail the test).
        string fifo = In("slow.pipe");
        MakeFifo(fifo);
        var model = new ScriptedChatClient(
            messages => ScriptedChatClient.TurnOf(messages) switch
            {
                1 => new ScriptedResponse()
                    .Text("Reading everything at once. ")
                    .Call("read_text_file", Json(new { path = fifo }))
                    .Call("read_text_file", Json(new { path = In("alpha.txt") }))
                    .Call("list_directory", Json(new { path = _root }))
                    .Call("read_file", Json(new { path = In("bravo.txt") }))
                    .Call("read_text_file", Json(new { path = In("notes/todo.md") })),
                2 => new ScriptedResponse()
                    .Text("Writing a summary. ")
                    .Call("write_file", Json(new { path = In("summary.txt"), content = SummaryOf(messages) })),
                _ => new ScriptedResponse().Text("Done: five reads, one summary."),
            },
            new ScriptedModelOptions { TimeToFirstToken = TimeSpan.Zero, TokensPerSecond = 2000 });
        ToolPipeline pipeline = ToolPipeline.CreateBuilder(model).AddTools(source.Tools).Build();

        Task? writer = null;
        List<ToolPipelineEvent> events = await McpTestServers.RunToEndAsync(pipeline, "Summarize my files.", guard.Token, seen =>
        {
            if (writer is null && seen[^1] is ToolCallCompleted && seen.OfType<ToolCallCompleted>().Count(c => c.Turn == 1) == 4)
            {
                // Opening a FIFO for writing waits for its reader, the server: off the event loop.
                writer = Task.Run(() => File.WriteAllTextAsync(fifo, "slow contents", guard.Token), guard.Token);
            }
        });

        Assert.NotNull(writer);
        await writer;
        Assert.Empty(events.OfType<ToolCallFailed>());
        ToolCallStarted[] started = [.. events.OfType<ToolCallStarted>().Where(s => s.Turn == 1)];
        Assert.Equal(5, started.Length);

        // The slow call ran the whole time the four others started and completed: every pair of intervals overlaps.
        string slow = started.Single(s => s.Call.Index == 0).Call.CallId;
        foreach (ToolCallStarted other in started.Where(s => s.Call.CallId != slow))
        {
            Assert.True(IndexOf<ToolCallStarted>(events, slow) < IndexOf<ToolCallCompleted>(events, other.Call.CallId), $"{slow} started before {other.Call.CallId} completed");
            Assert.True(IndexOf<ToolCallStarted>(events, other.Call.CallId) < IndexOf<ToolCallCompleted>(events, slow), $"{other.Call.CallId} started before {slow} completed");
        }

        // Every read started before the model's first response ended: mid-decode, as read-only tools do.
        int firstResponseEnd = events.FindIndex(e => e is ResponseCompleted { Turn: 1 });
        Assert.All(started, s => Assert.True(IndexOf<ToolCallStarted>(events, s.Call.CallId) < firstResponseEnd, $"{s.Call.CallId} started mid-decode"));

        // The results reach the conversation, in call order, and the second turn read them.
        RunCompleted completed = Assert.IsType<RunCompleted>(events[^1]);
        Assert.Equal(RunCompletionReason.FinalAnswer, completed.Reason);
        Assert.Equal(3, completed.Turns);
        FunctionResultContent[] results = [.. completed.Messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>()];
        Assert.Equal(6, results.Length);
        Assert.Equal(started.OrderBy(s => s.Call.Index).Select(s => s.Call.CallId), results.Take(5).Select(r => r.CallId));
        string[] texts = [.. results.Select(r => ResultText(r.Result))];
        Assert.Contains("slow contents", texts[0], StringComparison.Ordinal);
        Assert.Contains("alpha contents", texts[1], StringComparison.Ordinal);
        Assert.Contains("[FILE] alpha.txt", texts[2], StringComparison.Ordinal);
        Assert.Contains("[DIR] notes", texts[2], StringComparison.Ordinal);
        Assert.Contains("bravo contents", texts[3], StringComparison.Ordinal);
        Assert.Contains("- ship it", texts[4], StringComparison.Ordinal);
        Assert.Equal("slow contents|alpha contents|bravo contents|- ship it", File.ReadAllText(In("summary.txt")));
        Assert.Equal("Done: five reads, one summary.", completed.FinalText);
    }

    [Fact]
    public async Task RunAsync_ServerReportsToolError_CallCompletesWithTheErrorForTheModel()
    {
        using var guard = new CancellationTokenSource(McpTestServers.HangGuard);
        await using McpToolSource source = await StartAsync(guard.Token);
        var model = new ScriptedChatClient(
            [
                new ScriptedResponse().Call("read_text_file", Json(new { path = In("missing.txt") })),
                new ScriptedResponse().Text("That file does not exist."),
            ],
            new ScriptedModelOptions { TimeToFirstToken = TimeSpan.Zero, TokensPerSecond = 2000 });
        ToolPipeline pipeline = ToolPipeline.CreateBuilder(model).AddTools(source.Tools).Build();

        List<ToolPipelineEvent> events = await McpTestServers.RunToEndAsync(pipeline, "Read missing.txt", guard.Token);

        // MCP's isError is the tool's answer, meant for the model (here: the server's ENOENT message), not a crash.
        Assert.Empty(events.OfType<ToolCallFailed>());
        ToolCallCompleted completed = Assert.Single(events.OfType<ToolCallCompleted>());
        JsonElement result = Assert.IsType<JsonElement>(completed.Result);
        Assert.True(result.GetProperty("isError").GetBoolean());
        Assert.Contains("missing.txt", ResultText(result), StringComparison.Ordinal);
        RunCompleted run = Assert.IsType<RunCompleted>(events[^1]);
        Assert.Equal("That file does not exist.", run.FinalText);
        Assert.False(source.HasExited);
    }

    private static string Json(object arguments) => JsonSerializer.Serialize(arguments);

    private static int IndexOf<TEvent>(List<ToolPipelineEvent> events, string callId)
        where TEvent : ToolPipelineEvent =>
        events.FindIndex(e => e is TEvent && e switch
        {
            ToolCallStarted s => s.Call.CallId == callId,
            ToolCallCompleted c => c.Call.CallId == callId,
            _ => false,
        });

    // The second turn writes what the first turn's reads returned, so it proves the model saw the results.
    private static string SummaryOf(IReadOnlyList<ChatMessage> messages) => string.Join('|', messages
        .SelectMany(m => m.Contents)
        .OfType<FunctionResultContent>()
        .Select(r => ResultText(r.Result))
        .Where(t => !t.Contains("[FILE]", StringComparison.Ordinal))
        .Select(t => t.Trim()));

    /// <summary>The text of a tool result: text content, or the text blocks of a serialized MCP CallToolResult.</summary>
    private static string ResultText(object? result) => result switch
    {
        TextContent text => text.Text,
        JsonElement json when json.ValueKind == JsonValueKind.Object && json.TryGetProperty("content", out JsonElement content) =>
            string.Concat(content.EnumerateArray().Select(c => c.TryGetProperty("text", out JsonElement t) ? t.GetString() : null)),
        JsonElement json when json.ValueKind == JsonValueKind.String => json.GetString()!,
        null => string.Empty,
        _ => result.ToString() ?? string.Empty,
    };

    private static void MakeFifo(string path)
    {
        using Process mkfifo = Process.Start(new ProcessStartInfo("mkfifo", [path]) { UseShellExecute = false })!;
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
    }

    /// <summary>
    /// Streams one read_text_file call as argument fragments, then waits for <c>gate</c> before it ends the response;
    /// answers the second turn with what the read returned.
    /// </summary>
    private sealed class GatedModel(string arguments, Task gate) : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("The pipeline streams.");

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
            IEnumerable<ChatMessage> messages,
            ChatOptions? options = null,
            [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            ChatMessage[] conversation = [.. messages];
            if (ScriptedChatClient.TurnOf(conversation) == 1)
            {
                yield return new ChatResponseUpdate(ChatRole.Assistant, [new ToolCallUpdateContent(0, "call-1", "read_text_file", string.Empty)]);
                yield return new ChatResponseUpdate(ChatRole.Assistant, [new ToolCallUpdateContent(0, null, null, arguments)]);
                await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
                yield return new ChatResponseUpdate(ChatRole.Assistant, " Reading on.") { FinishReason = ChatFinishReason.ToolCalls };
            }
            else
            {
                bool read = conversation.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Any(r => ResultText(r.Result).Contains("alpha contents", StringComparison.Ordinal));
                yield return new ChatResponseUpdate(ChatRole.Assistant, read ? "It says alpha contents." : "The read failed.") { FinishReason = ChatFinishReason.Stop };
            }
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
