using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text.Json;
using ToolFlow.Cli.Run;
using ToolFlow.WireTesting;

namespace ToolFlow.Cli.Tests.Run;

/// <summary>
/// <c>toolflow run</c>'s safer defaults: no file tools without <c>--root</c>, what each file call reads shown, the
/// user's word over an MCP server's hints, and servers that never answer reported within a set time.
/// </summary>
public sealed class RunSafetyTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("toolflow-safety-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static Task<(int ExitCode, string Output, string Error)> InvokeAsync(string[] args, SignalingWriter? output, CancellationToken cancellationToken) =>
        RunCommandTests.InvokeAsync(args, output, cancellationToken);

    private static string FilesystemServerScript() => RunCommandTests.FilesystemServerScript();

    [Fact]
    public Task Invoke_NoRoot_TheFileToolsAreNotOfferedAndTheOutputSaysSo() => TestGuard.RunAsync(async ct =>
    {
        await using OpenAITestServer server = await OpenAITestServer.StartAsync(ct);
        SseHttpResponse answer = server.Enqueue(SseHttpResponse.Of(Chunks.Answer("Hi.")));

        (int exitCode, string output, string error) = await InvokeAsync(["run", "--endpoint", server.Endpoint.ToString(), "--model", "m", "Hello"], null, ct);

        Assert.True(exitCode == 0, error);
        string[] lines = output.Split('\n');
        Assert.Contains("[tools] current_time, calculate (built in, read-only)", lines);
        Assert.Contains("[tools] read_file and list_directory are off: give --root FOLDER to let the model read files under it", lines);
        string[] offered = [.. (await answer.Received).Body.GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("function").GetProperty("name").GetString()!)];
        Assert.Equal(["current_time", "calculate"], offered);
    });

    [Fact]
    public Task Invoke_ReadFileAndListDirectory_EachCallsLineShowsTheResolvedPathAndSize() => TestGuard.RunAsync(async ct =>
    {
        Directory.CreateDirectory(Path.Combine(_folder, "docs"));
        await File.WriteAllTextAsync(Path.Combine(_folder, "docs", "notes.txt"), "The launch code is 1234.", ct);
        await using OpenAITestServer server = await OpenAITestServer.StartAsync(ct);
        server.Enqueue(SseHttpResponse.Of(
            Chunks.Role(),
            Chunks.CallStart(0, "call_list", "list_directory", "{\"path\": \"docs\"}"),
            Chunks.CallStart(1, "call_read", "read_file", "{\"path\": \"docs/../docs/notes.txt\"}"),
            Chunks.Finish("tool_calls")));
        server.Enqueue(SseHttpResponse.Of(Chunks.Answer("1234.")));

        (int exitCode, string output, string error) = await InvokeAsync(["run", "--endpoint", server.Endpoint.ToString(), "--model", "m", "--root", _folder, "Read."], null, ct);

        Assert.True(exitCode == 0, error);
        string[] lines = output.Split('\n');
        string docs = Path.Combine(_folder, "docs");
        Assert.Contains($"[tools] the file tools read under {_folder}", lines);
        Assert.Contains($"[list_directory #1] running lists {docs} (1 entry)", lines);
        Assert.Contains($"[read_file #2] running reads {Path.Combine(docs, "notes.txt")} (24 bytes)", lines);
    });

    [Fact]
    public Task Invoke_ServerAcceptsTheConnectionAndNeverAnswers_FailsWithTheTimeout() => TestGuard.RunAsync(async ct =>
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var accepted = new List<TcpClient>();
        Task accepting = Task.Run(
            async () =>
            {
                // Accept and read nothing, write nothing: the connection just stays open.
                while (!ct.IsCancellationRequested)
                {
                    accepted.Add(await listener.AcceptTcpClientAsync(ct));
                }
            },
            ct);
        try
        {
            (int exitCode, string output, string error) = await InvokeAsync(
                ["run", "--endpoint", $"http://127.0.0.1:{port}/v1", "--model", "m", "--timeout", "0.5", "--max-retries", "0", "Hello"], null, ct);

            Assert.Equal(RunCommand.ModelFailed, exitCode);
            Assert.Contains($"toolflow run: The model server at http://127.0.0.1:{port}/v1 did not answer in time (before the response began)", error, StringComparison.Ordinal);
            Assert.Single(accepted);
        }
        finally
        {
            listener.Stop();
            accepted.ForEach(c => c.Dispose());
            await Task.WhenAny(accepting);
        }
    });

    [Fact]
    public void Parse_NoTimeoutsGiven_TheDefaultsAreTheDocumentedOnes()
    {
        Command run = RunCommand.Create();
        ParseResult parse = run.Parse(["--endpoint", "http://localhost:8000", "--model", "m", "Hello"]);

        Assert.Equal(30, RunCommand.DefaultTimeout.TotalSeconds);
        Assert.Equal(30, RunCommand.DefaultMcpTimeout.TotalSeconds);
        Assert.Equal(RunCommand.DefaultTimeout.TotalSeconds, parse.GetValue<double>("--timeout"));
        Assert.Equal(RunCommand.DefaultMcpTimeout.TotalSeconds, parse.GetValue<double>("--mcp-timeout"));
        Assert.Contains("(default 30)", run.Options.Single(o => o.Name == "--timeout").Description, StringComparison.Ordinal);
        Assert.Contains("(default 30)", run.Options.Single(o => o.Name == "--mcp-timeout").Description, StringComparison.Ordinal);
        Assert.Contains("`--timeout` (default 30 s)", ReadMe(), StringComparison.Ordinal);
        Assert.Equal(RunCommand.DefaultTimeout, new RunSettings { Endpoint = "e", Model = "m", Prompt = "p" }.Timeout);
    }

    [Fact]
    public Task Invoke_McpServerNeverAnswersItsHandshake_FailsAfterTheMcpTimeout() => TestGuard.RunAsync(async ct =>
    {
        (int exitCode, string output, string error) = await InvokeAsync(
            ["run", "--endpoint", "http://127.0.0.1:9/v1", "--model", "m", "--mcp", "node -e 'setInterval(() => {}, 60000)'", "--mcp-timeout", "1", "Hello"], null, ct);

        Assert.Equal(RunCommand.McpFailed, exitCode);
        Assert.Empty(output);
        Assert.StartsWith("toolflow run: could not start the MCP server: The MCP server 'node' did not complete its handshake within 1 s", error, StringComparison.Ordinal);
    });

    [Fact]
    public Task Invoke_McpServerWritesToStderrAndExits1_ShowsWhatItWroteNeutralised() => TestGuard.RunAsync(async ct =>
    {
        (int exitCode, string output, string error) = await InvokeAsync(
            ["run", "--endpoint", "http://127.0.0.1:9/v1", "--model", "m", "--mcp", "node -e 'console.error(\"bad config \\u001b]0;pwned\\u0007\"); process.exit(1)'", "Hello"], null, ct);

        Assert.Equal(RunCommand.McpFailed, exitCode);
        Assert.Empty(output);
        Assert.StartsWith("toolflow run: could not start the MCP server: ", error, StringComparison.Ordinal);
        Assert.Contains("exited with code 1", error, StringComparison.Ordinal);
        Assert.Contains("bad config \u241b]0;pwned\u2407", error, StringComparison.Ordinal);
        Assert.DoesNotContain(error, c => char.IsControl(c) && c != '\n');
    });

    [Fact]
    public Task Invoke_ToolHintMakesAnMcpToolDestructive_ItWaitsForTheResponseToEnd() => TestGuard.RunAsync(async ct =>
    {
        await File.WriteAllTextAsync(Path.Combine(_folder, "a.txt"), "alpha", ct);
        await using OpenAITestServer server = await OpenAITestServer.StartAsync(ct);
        SseHttpResponse first = server.Enqueue(new SseHttpResponse(stepped: true)
            .Event(Chunks.Role())
            .Event(Chunks.CallStart(0, "call_list", "list_directory", JsonSerializer.Serialize(new { path = _folder })))
            .Event(Chunks.Text("Listing."))
            .Event(Chunks.Finish("tool_calls"))
            .Done());
        server.Enqueue(SseHttpResponse.Of(Chunks.Answer("There is a.txt.")));
        string mcp = $"node '{FilesystemServerScript()}' '{_folder}'";
        var output = new SignalingWriter();

        Task<(int ExitCode, string Output, string Error)> run = InvokeAsync(
            ["run", "--endpoint", server.Endpoint.ToString(), "--model", "m", "--mcp", mcp, "--tool-hint", "secure-filesystem-server/list_directory=destructive", "--no-builtin-tools", "Files?"], output, ct);

        // The server says list_directory only reads; the user's hint wins, so it waits while the response is open.
        await first.SendUntilAsync(3, ct);
        await output.WaitForAsync("[list_directory #1] waiting for the response to end cleanly (the tool has side effects)", ct);
        Assert.False(first.HasEnded);
        await first.SendRestAsync(ct);
        (int exitCode, string text, string error) = await run;

        Assert.True(exitCode == 0, error);
        Assert.Contains(text.Split('\n'), l => l.StartsWith("[mcp] secure-filesystem-server: ", StringComparison.Ordinal)
            && l.Contains("list_directory (side effects, --tool-hint)", StringComparison.Ordinal)
            && l.Contains("read_text_file (read-only)", StringComparison.Ordinal));
        Assert.Contains("[list_directory #1] done", text, StringComparison.Ordinal);
    });

    [Fact]
    public Task Invoke_ToolHintForAToolNoServerOffers_IsAUsageError() => TestGuard.RunAsync(async ct =>
    {
        string mcp = $"node '{FilesystemServerScript()}' '{_folder}'";

        (int exitCode, string output, string error) = await InvokeAsync(
            ["run", "--endpoint", "http://127.0.0.1:9/v1", "--model", "m", "--mcp", mcp, "--tool-hint", "secure-filesystem-server/format_disk=read-only", "Hello"], null, ct);

        Assert.Equal(RunCommand.UsageError, exitCode);
        Assert.Contains("--tool-hint names secure-filesystem-server/format_disk, which no MCP server offers; the servers are: secure-filesystem-server.", error, StringComparison.Ordinal);
    });

    [Theory]
    [InlineData("nope", "--tool-hint takes SERVER/TOOL=read-only|idempotent|destructive (got 'nope').")]
    [InlineData("files/write=harmless", "--tool-hint: 'harmless' is not one of read-only, idempotent or destructive (in 'files/write=harmless').")]
    public void Parse_BadToolHint_SaysWhatItTakes(string hint, string message)
    {
        FormatException e = Assert.Throws<FormatException>(() => ToolHintOverride.Parse(hint));

        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void Parse_ToolHint_ServerMayContainSlashes()
    {
        Assert.Equal(new ToolHintOverride("@org/files", "write_file", ToolFlow.Blocks.ToolEffects.ReadOnly), ToolHintOverride.Parse("@org/files/write_file=read-only"));
    }

    private static string ReadMe([CallerFilePath] string source = "") =>
        File.ReadAllText(Path.Combine(Path.GetDirectoryName(source)!, "..", "..", "..", "README.md"));
}
