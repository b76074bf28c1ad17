using System.Text.Json;
using ToolFlow.Ledger.Sqlite;
using ToolFlow.Pipeline;
using ToolFlow.WireTesting;

namespace ToolFlow.Cli.Tests.Run;

/// <summary><c>toolflow run --ledger FILE [--run-id ID]</c> and <c>--resume RUN</c>, against the OpenAI-compatible test server.</summary>
public sealed class RunLedgerTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("toolflow-run-ledger-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string LedgerPath => Path.Combine(_folder, "runs.db");

    private static string[] Args(OpenAITestServer server, params string[] rest) =>
        ["run", "--endpoint", server.BaseAddress.ToString(), "--model", "test-model", "--max-retries", "0", "--no-builtin-tools", .. rest];

    private static string[] ArgsWithTools(OpenAITestServer server, params string[] rest) =>
        ["run", "--endpoint", server.BaseAddress.ToString(), "--model", "test-model", "--max-retries", "0", .. rest];

    [Fact]
    public Task Invoke_Ledger_RecordsTheRunUnderItsIdAndPrintsIt() => TestGuard.RunAsync(async ct =>
    {
        await using OpenAITestServer server = await OpenAITestServer.StartAsync(ct);
        server.Enqueue(SseHttpResponse.Of(Chunks.Role(), Chunks.CallStart(0, "call_calc", "calculate", "{\"expression\": \"6*7\"}"), Chunks.Finish("tool_calls")));
        server.Enqueue(SseHttpResponse.Of(Chunks.Answer("It is 42.")));

        (int exitCode, string output, string error) = await RunCommandTests.InvokeAsync(ArgsWithTools(server, "--ledger", LedgerPath, "--run-id", "r1", "What is 6*7?"), null, ct);

        Assert.True(exitCode == 0, error);
        Assert.Contains($"[ledger] recording run r1 in {LedgerPath}; resume it with --resume r1 --ledger {LedgerPath}", output.Split('\n'));
        LedgerRun run = await ReadAsync("r1");
        Assert.Equal("FinalAnswer", run.Run.Completion);
        Assert.Equal(2, run.Turns.Count);
        ToolCallLedgerEntry call = Assert.Single(run.Calls);
        Assert.Equal(("calculate", ToolCallLedgerOutcome.Succeeded, 1, 2), (call.Tool, call.Outcome, call.Attempts.Count, call.ConsumedByTurn));
    });

    [Fact]
    public Task Invoke_LedgerWithoutRunId_PrintsTheNewIdAtTheStart() => TestGuard.RunAsync(async ct =>
    {
        await using OpenAITestServer server = await OpenAITestServer.StartAsync(ct);
        server.Enqueue(SseHttpResponse.Of(Chunks.Answer("Hello.")));

        (int exitCode, string output, string error) = await RunCommandTests.InvokeAsync(Args(server, "--ledger", LedgerPath, "Hi"), null, ct);

        Assert.True(exitCode == 0, error);
        string line = Assert.Single(output.Split('\n'), l => l.StartsWith("[ledger] recording run ", StringComparison.Ordinal));
        string id = line["[ledger] recording run ".Length..line.IndexOf(' ', "[ledger] recording run ".Length)];
        Assert.Equal("FinalAnswer", (await ReadAsync(id)).Run.Completion);
    });

    [Fact]
    public Task Invoke_ResumeAfterTheModelFailed_ReplaysTheRecordedTurnAndRunsNoCallAgain() => TestGuard.RunAsync(async ct =>
    {
        await using OpenAITestServer server = await OpenAITestServer.StartAsync(ct);
        server.Enqueue(SseHttpResponse.Of(Chunks.Role(), Chunks.CallStart(0, "call_calc", "calculate", "{\"expression\": \"6*7\"}"), Chunks.Finish("tool_calls")));

        // No second response is scripted: the server answers 500 and, with no retries, the run fails after turn 1.
        (int failedExit, _, _) = await RunCommandTests.InvokeAsync(ArgsWithTools(server, "--ledger", LedgerPath, "--run-id", "r1", "What is 6*7?"), null, ct);
        Assert.Equal(1, failedExit);
        Assert.Equal(2, server.Requests.Count);
        SseHttpResponse answer = server.Enqueue(SseHttpResponse.Of(Chunks.Answer("It is 42.")));

        (int exitCode, string output, string error) = await RunCommandTests.InvokeAsync(ArgsWithTools(server, "--ledger", LedgerPath, "--resume", "r1"), null, ct);

        Assert.True(exitCode == 0, error);
        Assert.Contains("[ledger] resuming run r1 from " + LedgerPath, output.Split('\n'));
        Assert.Equal(3, server.Requests.Count);
        JsonElement[] sent = (await answer.Received).Messages;
        Assert.Equal("42", sent.Single(m => m.TryGetProperty("tool_call_id", out JsonElement id) && id.GetString() == "call_calc").GetProperty("content").GetString());
        LedgerRun run = await ReadAsync("r1");
        Assert.Equal(("FinalAnswer", 1), (run.Run.Completion, run.Run.Resumes));
        ToolCallLedgerEntry call = Assert.Single(run.Calls);
        Assert.Equal((ToolCallLedgerOutcome.Succeeded, 1), (call.Outcome, call.Attempts.Count));
    });

    [Theory]
    [InlineData(new[] { "--resume", "r1", "Hi" }, "toolflow run: --resume needs --ledger FILE, the ledger the run was recorded in.")]
    [InlineData(new[] { "--run-id", "r1", "Hi" }, "toolflow run: --run-id names the run in a ledger; give --ledger FILE too.")]
    [InlineData(new string[0], "toolflow run: give a PROMPT (or --resume RUN with --ledger FILE).")]
    public async Task Invoke_LedgerOptionsThatDoNotFit_Exit2(string[] rest, string expected)
    {
        var error = new StringWriter();

        int exitCode = await Program.InvokeAsync(
            ["run", "--endpoint", "http://127.0.0.1:9/v1", "--model", "m", .. rest],
            new System.CommandLine.InvocationConfiguration { Output = new StringWriter(), Error = error },
            CancellationToken.None);

        Assert.Equal(Program.UsageError, exitCode);
        Assert.Equal(expected, error.ToString().TrimEnd());
    }

    [Fact]
    public async Task Invoke_ResumeWithPromptOrRunId_Exit2()
    {
        (int withPrompt, _, string promptError) = await InvokeOfflineAsync("--ledger", LedgerPath, "--resume", "r1", "Hi");
        (int withId, _, string idError) = await InvokeOfflineAsync("--ledger", LedgerPath, "--resume", "r1", "--run-id", "r2");

        Assert.Equal((2, 2), (withPrompt, withId));
        Assert.Equal("toolflow run: --resume continues the recorded conversation; drop the PROMPT and --system.", promptError.TrimEnd());
        Assert.Equal("toolflow run: --resume RUN keeps the run's id; drop --run-id.", idError.TrimEnd());
        Assert.False(File.Exists(LedgerPath));
    }

    [Fact]
    public async Task Invoke_ResumeUnknownRunOrMissingFile_Exit2BeforeAnythingRuns()
    {
        (int missing, _, string missingError) = await InvokeOfflineAsync("--ledger", LedgerPath, "--resume", "r1");
        await (await SqliteToolCallLedger.OpenAsync(LedgerPath)).DisposeAsync();
        (int unknown, _, string unknownError) = await InvokeOfflineAsync("--ledger", LedgerPath, "--resume", "r1");

        Assert.Equal((2, 2), (missing, unknown));
        Assert.Equal($"toolflow run: no ledger file '{LedgerPath}' to resume from.", missingError.TrimEnd());
        Assert.Equal($"toolflow run: the ledger '{LedgerPath}' has no run 'r1'; toolflow ledger list --ledger {LedgerPath} lists them.", unknownError.TrimEnd());
    }

    [Fact]
    public async Task Invoke_RunIdTheLedgerHas_Exit2()
    {
        await using (SqliteToolCallLedger ledger = await SqliteToolCallLedger.OpenAsync(LedgerPath))
        {
            await ledger.WriteAsync(new([new LedgerRunRecord("r1", "c", "Await", DateTimeOffset.UnixEpoch, "[]")], [], []), default);
        }

        (int exitCode, _, string error) = await InvokeOfflineAsync("--ledger", LedgerPath, "--run-id", "r1", "Hi");

        Assert.Equal(2, exitCode);
        Assert.Equal($"toolflow run: the ledger '{LedgerPath}' already has a run 'r1'; resume it with --resume, or choose another --run-id.", error.TrimEnd());
    }

    [Fact]
    public async Task Invoke_LedgerNotALedger_Exit2AndFileUntouched()
    {
        await File.WriteAllTextAsync(LedgerPath, "plain text, not a database at all, long enough to be read as a header\n");

        (int exitCode, _, string error) = await InvokeOfflineAsync("--ledger", LedgerPath, "Hi");

        Assert.Equal(2, exitCode);
        Assert.Equal($"toolflow run: cannot use --ledger: '{LedgerPath}' is not a SQLite database, so not a ToolFlow ledger.", error.TrimEnd());
        Assert.Equal("plain text, not a database at all, long enough to be read as a header\n", await File.ReadAllTextAsync(LedgerPath));
    }

    // Port 9 (discard) on loopback: were the run to start, it would fail with 1, not 2.
    private static async Task<(int ExitCode, string Output, string Error)> InvokeOfflineAsync(params string[] rest)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exitCode = await Program.InvokeAsync(
            ["run", "--endpoint", "http://127.0.0.1:9/v1", "--model", "m", "--no-builtin-tools", .. rest],
            new System.CommandLine.InvocationConfiguration { Output = output, Error = error },
            CancellationToken.None);
        return (exitCode, output.ToString(), error.ToString());
    }

    private async Task<LedgerRun> ReadAsync(string runId)
    {
        await using SqliteToolCallLedger ledger = await SqliteToolCallLedger.OpenAsync(LedgerPath);
        return await ledger.ReadRunAsync(runId, default) ?? throw new InvalidOperationException($"No run {runId}.");
    }
}
