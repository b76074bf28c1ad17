using System.CommandLine;
using System.Runtime.CompilerServices;
using System.Text.Json;
using ToolFlow.Cli.Run;
using ToolFlow.WireTesting;

namespace ToolFlow.Cli.Tests.Run;

/// <summary><c>toolflow run</c> in process, against a real OpenAI-compatible HTTP server on 127.0.0.1.</summary>
public sealed class RunCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("toolflow-run-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    internal static async Task<(int ExitCode, string Output, string Error)> InvokeAsync(string[] args, SignalingWriter? output, CancellationToken cancellationToken)
    {
        output ??= new SignalingWriter();
        var error = new StringWriter();
        int exitCode = await Program.BuildCommand().Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, cancellationToken);
        return (exitCode, output.Text, error.ToString());
    }

    private string[] Args(OpenAITestServer server, params string[] rest) =>
        ["run", "--endpoint", server.BaseAddress.ToString(), "--model", "test-model", "--root", _folder, .. rest];

    [Fact]
    public Task Invoke_SlowStreamWithTwoCalls_PrintsEachCallDoneWhileTheResponseIsStillOpen() => TestGuard.RunAsync(async ct =>
    {
        await using OpenAITestServer server = await OpenAITestServer.StartAsync(ct);
        SseHttpResponse first = server.Enqueue(new SseHttpResponse(stepped: true)
            .Event(Chunks.Role())
            .Event(Chunks.Text("Let me work it out."))
            .Event(Chunks.CallStart(0, "call_calc", "calculate", "{\"expression\": \"2*(3+4)^2\"}"))
            .Event(Chunks.Text(" And the time."))
            .Event(Chunks.CallStart(1, "call_time", "current_time", "{\"timeZone\": \"UTC\"}"))
            .Event(Chunks.Finish("tool_calls"))
            .Done());
        SseHttpResponse second = server.Enqueue(SseHttpResponse.Of(Chunks.Answer("2*(3+4)^2 is 98.")));
        var output = new SignalingWriter();

        // The endpoint has no path: the command adds /v1, where the server answers.
        Task<(int ExitCode, string Output, string Error)> run = InvokeAsync(Args(server, "What", "is", "2*(3+4)^2?"), output, ct);

        await first.SendUntilAsync(3, ct);
        await output.WaitForAsync("[calculate #1] done", ct);
        Assert.False(first.HasEnded);
        await first.SendUntilAsync(5, ct);
        await output.WaitForAsync("[current_time #2] done", ct);
        Assert.False(first.HasEnded);
        await first.SendRestAsync(ct);
        (int exitCode, string text, string error) = await run;

        Assert.Equal(0, exitCode);
        Assert.StartsWith($"toolflow run: no API key sent to {server.BaseAddress.Host} (", error, StringComparison.Ordinal);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        string[] lines = text.Split('\n');
        Assert.Contains("[model] test-model at " + server.Endpoint, lines);
        Assert.Contains("[tools] current_time, calculate, read_file, list_directory (built in, read-only)", lines);
        Assert.Contains("Let me work it out.", lines);
        Assert.Contains("[calculate #1] detected", lines);
        Assert.Contains("[calculate #1] arguments {\"expression\": \"2*(3+4)^2\"}", lines);
        Assert.Contains("[calculate #1] running", lines);
        Assert.Contains(lines, l => l.StartsWith("[calculate #1] done in ", StringComparison.Ordinal) && l.EndsWith(": 98", StringComparison.Ordinal));
        Assert.Contains(" And the time.", lines);
        Assert.Contains(lines, l => l.StartsWith("[current_time #2] done in ", StringComparison.Ordinal) && l.Contains("Z (", StringComparison.Ordinal));
        Assert.Contains("[turn 2] sending the results back to the model", lines);
        Assert.Contains("2*(3+4)^2 is 98.", lines);
        Assert.Contains(lines, l => l.StartsWith("[end] answered: 2 turns, 2 tool calls, ", StringComparison.Ordinal));
        Assert.True(
            text.IndexOf("[calculate #1] done", StringComparison.Ordinal) < text.IndexOf("[current_time #2] detected", StringComparison.Ordinal),
            "The first call should be done before the second is detected.");

        JsonElement[] sent = (await second.Received).Messages;
        Assert.Equal("98", sent.Single(m => m.TryGetProperty("tool_call_id", out JsonElement id) && id.GetString() == "call_calc").GetProperty("content").GetString());
    });

    [Fact]
    public Task RunAsync_ReadFileInsideAndOutsideTheRoot_ReadsOneAndTellsTheModelWhyNotTheOther() => TestGuard.RunAsync(async ct =>
    {
        await File.WriteAllTextAsync(Path.Combine(_folder, "notes.txt"), "The launch code is 1234.", ct);
        await using OpenAITestServer server = await OpenAITestServer.StartAsync(ct);
        server.Enqueue(SseHttpResponse.Of(
            Chunks.Role(),
            Chunks.CallStart(0, "call_in", "read_file", "{\"path\": \"notes.txt\"}"),
            Chunks.CallStart(1, "call_out", "read_file", "{\"path\": \"../../etc/passwd\"}"),
            Chunks.Finish("tool_calls")));
        SseHttpResponse second = server.Enqueue(SseHttpResponse.Of(Chunks.Answer("The code is 1234.")));
        var output = new SignalingWriter();
        var error = new StringWriter();
        var settings = new RunSettings { Endpoint = server.Endpoint.ToString(), Model = "test-model", Prompt = "Read my notes.", Root = _folder };

        int exitCode = await RunCommand.RunAsync(settings, output, error, TimeProvider.System, null, ct);

        Assert.Equal(0, exitCode);
        Assert.Contains("[read_file #2] failed (ToolException) after ", output.Text, StringComparison.Ordinal);
        Dictionary<string, string> results = (await second.Received).Messages
            .Where(m => m.GetProperty("role").GetString() == "tool")
            .ToDictionary(m => m.GetProperty("tool_call_id").GetString()!, m => m.GetProperty("content").GetString()!);
        Assert.Equal("The launch code is 1234.", results["call_in"]);
        Assert.Contains("outside the folder the tools may read", results["call_out"], StringComparison.Ordinal);
        Assert.DoesNotContain("root:", results["call_out"], StringComparison.Ordinal);
    });

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public Task Invoke_ReadFileOfADotEnv_RefusedUnlessAllowHidden(bool allowHidden) => TestGuard.RunAsync(async ct =>
    {
        await File.WriteAllTextAsync(Path.Combine(_folder, ".env"), "API_TOKEN=hunter2", ct);
        await using OpenAITestServer server = await OpenAITestServer.StartAsync(ct);
        server.Enqueue(SseHttpResponse.Of(
            Chunks.Role(),
            Chunks.CallStart(0, "call_env", "read_file", "{\"path\": \".env\"}"),
            Chunks.Finish("tool_calls")));
        SseHttpResponse second = server.Enqueue(SseHttpResponse.Of(Chunks.Answer("Done.")));

        (int exitCode, string output, string error) = await InvokeAsync(Args(server, [.. allowHidden ? ["--allow-hidden"] : Array.Empty<string>(), "Read", ".env"]), null, ct);

        Assert.True(exitCode == 0, error);
        string result = (await second.Received).Messages.Single(m => m.GetProperty("role").GetString() == "tool").GetProperty("content").GetString()!;
        if (allowHidden)
        {
            Assert.Equal("API_TOKEN=hunter2", result);
        }
        else
        {
            Assert.Contains("is a hidden or secret file", result, StringComparison.Ordinal);
            Assert.DoesNotContain("hunter2", result, StringComparison.Ordinal);
        }
    });

    [Fact]
    public Task RunAsync_ScriptedRun_WritesEachCallsStatesWithControlCharactersNeutralised() => TestGuard.RunAsync(async ct =>
    {
        // A file, a tool name and the model's text each carry escape sequences that would clear the screen,
        // recolour it or retitle the window if they reached the terminal.
        await File.WriteAllTextAsync(Path.Combine(_folder, "notes.txt"), "\u001b[2Jcleared\u001b]0;title\u0007", ct);
        await using OpenAITestServer server = await OpenAITestServer.StartAsync(ct);
        server.Enqueue(SseHttpResponse.Of(
            Chunks.Role(),
            Chunks.Text("Reading \u001b[31mnow\u001b[0m."),
            Chunks.CallStart(0, "call_read", "read_file", "{\"path\": \"notes.txt\"}"),
            Chunks.CallStart(1, "call_evil", "evil\u001b[2J", "{}"),
            Chunks.CallStart(2, "call_calc", "calculate", "{\"expression\": \"1/\"}"),
            Chunks.Finish("tool_calls")));
        server.Enqueue(SseHttpResponse.Of(Chunks.Answer("Done.")));
        var output = new SignalingWriter();
        var settings = new RunSettings { Endpoint = server.Endpoint.ToString(), Model = "test-model", Prompt = "Read my notes.", Root = _folder };

        int exitCode = await RunCommand.RunAsync(settings, output, new StringWriter(), TimeProvider.System, null, ct);

        Assert.Equal(0, exitCode);
        string text = output.Text;
        string[] lines = text.Split('\n');
        Assert.DoesNotContain(text, c => char.IsControl(c) && c != '\n');
        Assert.Contains("Reading \u241b[31mnow\u241b[0m.", lines);
        // The second "running" line says what the call reads.
        Assert.Equal(
            ["detected", "running", "running", "done"],
            lines.Where(l => l.StartsWith("[read_file #1] ", StringComparison.Ordinal) && !l.Contains(" arguments ", StringComparison.Ordinal)).Select(l => l.Split(' ')[2]));
        Assert.Contains(lines, l => l.StartsWith("[read_file #1] done in ", StringComparison.Ordinal) && l.EndsWith(": \u241b[2Jcleared\u241b]0;title\u2407", StringComparison.Ordinal));
        Assert.Contains("[evil\u241b[2J #2] detected", lines);
        Assert.Contains(lines, l => l.StartsWith("[evil\u241b[2J #2] failed (UnknownTool): ", StringComparison.Ordinal) && l.IndexOf("evil\u241b[2J", 20, StringComparison.Ordinal) > 0);
        Assert.Contains(lines, l => l.StartsWith("[calculate #3] failed (ToolException) after ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("[end] answered: 2 turns, 3 tool calls, ", StringComparison.Ordinal));
    });

    [Fact]
    public Task RunAsync_RecordOption_WritesAScenarioTheBenchLoads() => TestGuard.RunAsync(async ct =>
    {
        await File.WriteAllTextAsync(Path.Combine(_folder, "notes.txt"), "The launch code is 1234.", ct);
        await using OpenAITestServer server = await OpenAITestServer.StartAsync(ct);
        server.Enqueue(SseHttpResponse.Of(Chunks.Role(), Chunks.CallStart(0, "call_in", "read_file", "{\"path\": \"notes.txt\"}"), Chunks.Finish("tool_calls")));
        server.Enqueue(SseHttpResponse.Of(Chunks.Answer("The code is 1234.")));
        string path = Path.Combine(_folder, "recorded.json");
        var settings = new RunSettings { Endpoint = server.Endpoint.ToString(), Model = "test-model", Prompt = "Read my notes.", Root = _folder, RecordPath = path };

        int exitCode = await RunCommand.RunAsync(settings, new SignalingWriter(), new StringWriter(), TimeProvider.System, null, ct);

        Assert.Equal(0, exitCode);
        using JsonDocument recorded = JsonDocument.Parse(await File.ReadAllTextAsync(path, ct));
        Assert.Contains("read_file", recorded.RootElement.GetRawText(), StringComparison.Ordinal);
        ToolFlow.Profiling.Scenario loaded = ToolFlow.Profiling.ScenarioLoader.Load(path);
        Assert.NotNull(loaded);
    });

    [Fact]
    public Task Invoke_ServerAnswers500_PrintsTheServersMessageAndExitsWith1() => TestGuard.RunAsync(async ct =>
    {
        await using OpenAITestServer server = await OpenAITestServer.StartAsync(ct);
        for (int i = 0; i < 4; i++)
        {
            // The SDK retries a 500 before the stream starts; every try fails the same way.
            var failure = JsonHttpResponse.Error(500, "The model is not loaded.");
            failure.Headers["retry-after-ms"] = "1";
            server.Enqueue(failure);
        }

        (int exitCode, string output, string error) = await InvokeAsync(Args(server, "Hello"), null, ct);

        Assert.Equal(RunCommand.ModelFailed, exitCode);
        Assert.Contains("[end] the model's response failed: 1 turn, 0 tool calls", output, StringComparison.Ordinal);
        Assert.Contains("\ntoolflow run: The model server at " + server.Endpoint + " answered HTTP 500", error, StringComparison.Ordinal);
        Assert.Contains("The model is not loaded.", error, StringComparison.Ordinal);
    });

    [Fact]
    public Task Invoke_McpServerThatCannotStart_PrintsAClearErrorAndExitsWith3() => TestGuard.RunAsync(async ct =>
    {
        await using OpenAITestServer server = await OpenAITestServer.StartAsync(ct);

        (int exitCode, string output, string error) = await InvokeAsync(Args(server, "--mcp", "toolflow-no-such-program --flag", "Hello"), null, ct);

        Assert.Equal(RunCommand.McpFailed, exitCode);
        Assert.Empty(output);
        Assert.StartsWith("toolflow run: could not start the MCP server: ", error, StringComparison.Ordinal);
        Assert.Contains("toolflow-no-such-program", error, StringComparison.Ordinal);
        Assert.Empty(server.Requests);
    });

    [Fact]
    public Task Invoke_McpFilesystemServer_ItsToolsJoinTheBuiltInsAndWinNameClashes() => TestGuard.RunAsync(async ct =>
    {
        await File.WriteAllTextAsync(Path.Combine(_folder, "a.txt"), "alpha", ct);
        await using OpenAITestServer server = await OpenAITestServer.StartAsync(ct);
        string listing = JsonSerializer.Serialize(new { path = _folder });
        server.Enqueue(SseHttpResponse.Of(
            Chunks.Role(),
            Chunks.CallStart(0, "call_list", "list_directory", listing),
            Chunks.CallStart(1, "call_calc", "calculate", "{\"expression\": \"1+1\"}"),
            Chunks.Finish("tool_calls")));
        SseHttpResponse second = server.Enqueue(SseHttpResponse.Of(Chunks.Answer("There is a.txt.")));
        string mcp = $"node '{FilesystemServerScript()}' '{_folder}'";

        (int exitCode, string output, string error) = await InvokeAsync(Args(server, "--mcp", mcp, "What", "files?"), null, ct);

        Assert.True(exitCode == 0, error);
        string[] lines = output.Split('\n');
        Assert.Contains(lines, l => l.StartsWith("[mcp] ", StringComparison.Ordinal) && l.Contains("list_directory", StringComparison.Ordinal));
        Assert.Contains("[tools] current_time, calculate (built in, read-only)", lines);
        Dictionary<string, string> results = (await second.Received).Messages
            .Where(m => m.GetProperty("role").GetString() == "tool")
            .ToDictionary(m => m.GetProperty("tool_call_id").GetString()!, m => m.GetProperty("content").GetString()!);
        Assert.Contains("a.txt", results["call_list"], StringComparison.Ordinal);
        Assert.Contains("[FILE]", results["call_list"], StringComparison.Ordinal);
        Assert.Equal("2", results["call_calc"]);
    });

    // The sequences a hostile model, tool or server would send: retitle the window (OSC 0), write the clipboard
    // (OSC 52), recolour (CSI), the same as 8-bit C1 controls, and a bidirectional override that reorders a line.
    private const string Hostile = "\u001b]0;pwned\u0007 \u001b]52;c;cm0gLXJmIH4=\u0007 \u001b[31mred\u001b[0m \u009b2J \u009d0;t\u009c \u202eevil";

    [Fact]
    public Task Invoke_HostileTextFromTheModelToolsAndTheServer_ReachesTheTerminalNeutralised() => TestGuard.RunAsync(async ct =>
    {
        await File.WriteAllTextAsync(Path.Combine(_folder, "notes.txt"), Hostile, ct);
        await using OpenAITestServer server = await OpenAITestServer.StartAsync(ct);
        string expression = JsonSerializer.Serialize(new { expression = "1+" + Hostile });
        server.Enqueue(SseHttpResponse.Of(
            Chunks.Role(),
            Chunks.Reasoning("Thinking " + Hostile),
            Chunks.Text("Text " + Hostile),
            Chunks.CallStart(0, "call_read", "read_file", "{\"path\": \"notes.txt\"}"),
            Chunks.CallStart(1, "call_evil", "tool" + Hostile, "{}"),
            Chunks.CallStart(2, "call_calc", "calculate", expression),
            Chunks.Finish("tool_calls")));
        server.Enqueue(JsonHttpResponse.Error(500, "Body " + Hostile));

        (int exitCode, string output, string error) = await InvokeAsync(Args(server, "--max-retries", "0", "Hello"), null, ct);

        Assert.Equal(RunCommand.ModelFailed, exitCode);
        AssertNeutralised(output);
        AssertNeutralised(error);

        // Each source was shown, with its controls as visible pictures.
        Assert.Contains("Thinking \u241b]0;pwned\u2407", output, StringComparison.Ordinal);
        Assert.Contains("Text \u241b]0;pwned\u2407 \u241b]52;c;", output, StringComparison.Ordinal);
        Assert.Contains("[read_file #1] done in ", output, StringComparison.Ordinal);
        Assert.Contains("[tool\u241b]0;pwned\u2407", output, StringComparison.Ordinal);
        Assert.Contains("[calculate #3] failed (ToolException) after ", output, StringComparison.Ordinal);
        Assert.Contains("Cannot evaluate '1+\u241b]0;pwned\u2407", output, StringComparison.Ordinal);
        Assert.Contains("Body \u241b]0;pwned\u2407", error, StringComparison.Ordinal);
        Assert.Contains("<U+009B>2J", error, StringComparison.Ordinal);
    });

    private static void AssertNeutralised(string text)
    {
        int bad = text.AsSpan().IndexOfAny(['\u001b', '\u0007', '\u009b', '\u009c', '\u009d', '\u202e']);
        Assert.True(bad < 0, $"A raw control character reached the terminal at {bad}: {text}");
        Assert.DoesNotContain(text, c => char.IsControl(c) && c != '\n');
    }

    [Theory]
    [InlineData("localhost:8000")]
    [InlineData("ftp://example.com/v1")]
    [InlineData("not a url")]
    public Task Invoke_BadEndpoint_IsAUsageError(string endpoint) => TestGuard.RunAsync(async ct =>
    {
        (int exitCode, string output, string error) = await InvokeAsync(["run", "--endpoint", endpoint, "--model", "m", "Hello"], null, ct);

        Assert.Equal(RunCommand.UsageError, exitCode);
        Assert.Empty(output);
        Assert.Contains("--endpoint must be an http or https address", error, StringComparison.Ordinal);
    });

    [Fact]
    public Task Invoke_ApiKeyOverPlainHttpToAnotherMachine_IsAUsageError() => TestGuard.RunAsync(async ct =>
    {
        (int exitCode, string output, string error) = await InvokeAsync(["run", "--endpoint", "http://example.com/v1", "--model", "m", "--api-key", "k", "Hello"], null, ct);

        Assert.Equal(RunCommand.UsageError, exitCode);
        Assert.Empty(output);
        Assert.Contains("an API key is sent only over https or to this machine's own server; http://example.com is neither", error, StringComparison.Ordinal);
    });

    [Fact]
    public Task Invoke_ExplicitApiKeyToLoopback_IsSentAsABearerToken() => TestGuard.RunAsync(async ct =>
    {
        await using OpenAITestServer server = await OpenAITestServer.StartAsync(ct);
        SseHttpResponse answer = server.Enqueue(SseHttpResponse.Of(Chunks.Answer("Hi.")));

        (int exitCode, string output, string error) = await InvokeAsync(Args(server, "--api-key", "sk-local", "Hello"), null, ct);

        Assert.True(exitCode == 0, error);
        Assert.Empty(error);
        Assert.Equal("Bearer sk-local", (await answer.Received).Authorization);
    });

    [Fact]
    public Task Invoke_MistypedOption_IsAUsageErrorNotAPromptWord() => TestGuard.RunAsync(async ct =>
    {
        (int exitCode, string output, string error) = await InvokeAsync(["run", "--endpoint", "http://localhost:8000", "--model", "m", "--temprature", "0.2", "Hello"], null, ct);

        Assert.Equal(RunCommand.UsageError, exitCode);
        Assert.Empty(output);
        Assert.Contains("unknown option '--temprature'", error, StringComparison.Ordinal);
    });

    [Theory]
    [InlineData(new[] { "--", "--help", "me" }, null)]
    [InlineData(new[] { "Is", "-5", "below", "zero?" }, null)]
    [InlineData(new[] { "--system", "-be brief", "Hello" }, null)]
    [InlineData(new[] { "Hello", "-x" }, "-x")]
    public void StrayOption_PromptWords_OnlyOptionLikeWordsBeforeTheSeparator(string[] tail, string? expected)
    {
        RootCommand root = Program.BuildCommand();
        Command run = root.Subcommands.Single(c => c.Name == "run");
        ParseResult parse = root.Parse(["run", "--endpoint", "http://localhost:8000", "--model", "m", .. tail]);

        Assert.Equal(expected, RunCommand.StrayOption(parse, run.Arguments.OfType<Argument<string[]>>().Single()));
    }

    [Fact]
    public void Parse_RepeatedMcpAndAPromptOfSeveralWords_CollectsEach()
    {
        ParseResult parse = Program.BuildCommand().Parse(["run", "--endpoint", "http://localhost:8000", "--model", "m", "--mcp", "npx -y server-a /tmp", "--mcp", "node b.js", "What", "time", "is", "it?"]);

        Assert.Empty(parse.Errors);
        Assert.Equal(["npx -y server-a /tmp", "node b.js"], parse.GetValue<string[]>("--mcp")!);
        Assert.Equal(["What", "time", "is", "it?"], parse.GetValue<string[]>("prompt")!);
    }

    internal static string FilesystemServerScript([CallerFilePath] string source = "")
    {
        string tests = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(source)!, "..", ".."));
        string script = Path.Combine(tests, ".npm", "node_modules", "@modelcontextprotocol", "server-filesystem", "dist", "index.js");
        Assert.True(File.Exists(script), $"The MCP filesystem server is not installed at {script}. Run ./test.sh, which installs it under tests/.npm.");
        return script;
    }
}
