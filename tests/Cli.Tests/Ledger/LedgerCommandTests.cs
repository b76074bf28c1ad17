using System.CommandLine;
using System.Text.Json;
using ToolFlow.Blocks;
using ToolFlow.Ledger.Sqlite;
using ToolFlow.Pipeline;

namespace ToolFlow.Cli.Tests;

/// <summary><c>toolflow ledger list|show</c> on a file the SQLite ledger wrote.</summary>
public sealed class LedgerCommandTests : IDisposable
{
    private static readonly DateTimeOffset s_t0 = new(2026, 12, 6, 23, 0, 0, TimeSpan.Zero);

    private readonly string _folder = Directory.CreateTempSubdirectory("toolflow-ledger-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task List_TwoRuns_MostRecentFirstWithCountsAndOutcome()
    {
        string path = await WriteLedgerAsync();

        (int exitCode, string output, string error) = await InvokeAsync("ledger", "list", "--ledger", path);

        Assert.Equal(0, exitCode);
        Assert.Equal(string.Empty, error);
        Assert.Equal(
            """
            run      conversation  started (UTC)            turns  calls  outcome
            run-new  conv-2        2026-12-06 23:05:00.000      1      0  unfinished
            run-old  conv-1        2026-12-06 23:00:00.000      2      3  Answered

            """.ReplaceLineEndings("\n"),
            output);
    }

    [Fact]
    public async Task List_Json_OneObjectPerRun()
    {
        string path = await WriteLedgerAsync();

        (int exitCode, string output, _) = await InvokeAsync("ledger", "list", "--ledger", path, "--json");

        Assert.Equal(0, exitCode);
        using JsonDocument json = JsonDocument.Parse(output);
        JsonElement[] runs = [.. json.RootElement.GetProperty("runs").EnumerateArray()];
        Assert.Equal(["run-new", "run-old"], runs.Select(r => r.GetProperty("runId").GetString()));
        Assert.Equal(3, runs[1].GetProperty("calls").GetInt32());
        Assert.Equal("Answered", runs[1].GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task Show_Run_EachCallWithOffsetsOutcomePermissionAndConsumer()
    {
        string path = await WriteLedgerAsync();

        (int exitCode, string output, string error) = await InvokeAsync("ledger", "show", "run-old", "--ledger", path);

        Assert.Equal(0, exitCode);
        Assert.Equal(string.Empty, error);
        Assert.Equal(
            """
            run run-old: conversation conv-1, mode Await, started 2026-12-06 23:00:00.000 UTC, Answered at 2500.0, resumed 1 time
            turn 1: 0.0 to 1200.0
            turn 2: 1200.0 to 2500.0
            Times are milliseconds from the run's start.
            turn  call  tool                    arguments                                 detected  closed  dispatched  started   ended  attempts  outcome               permission                                                                 consumed by
               1  c1    get_weather             {"city":"Paris"}                             100.0   150.0       150.0    150.5   850.5         1  succeeded (replayed)  -                                                                                    2
               1  c2    send_email              {"body":"aaaaaaaaaaaaaaaaaaaaaaaaaaaa...     200.0   250.0       900.0    901.0  1100.0         2  failed: Quarantined   dispatch allowed by acl r7; result denied by acl r8: revoked␛[2J by admin            -
               1  c3    bad tool name<script>␇  {}                                               -       -           -        -       -         0  pending               -                                                                                    -

            """.ReplaceLineEndings("\n"),
            output);
    }

    [Fact]
    public async Task Show_Json_CallsWholeWithMillisecondOffsets()
    {
        string path = await WriteLedgerAsync();

        (int exitCode, string output, _) = await InvokeAsync("ledger", "show", "run-old", "--ledger", path, "--json");

        Assert.Equal(0, exitCode);
        using JsonDocument json = JsonDocument.Parse(output);
        JsonElement c2 = json.RootElement.GetProperty("calls")[1];
        Assert.Equal("send_email", c2.GetProperty("tool").GetString());
        Assert.Equal(900.0, c2.GetProperty("dispatchedMs").GetDouble());
        Assert.Equal(2, c2.GetProperty("attempts").GetArrayLength());
        Assert.Equal("timed out", c2.GetProperty("attempts")[0].GetProperty("error").GetString());
        Assert.False(c2.GetProperty("permissionAtResult").GetProperty("allowed").GetBoolean());
        Assert.Equal("run-old/c2", c2.GetProperty("idempotencyKey").GetString());
        Assert.Equal(new string('a', 60), JsonDocument.Parse(c2.GetProperty("arguments").GetString()!).RootElement.GetProperty("body").GetString());
        Assert.DoesNotContain('\u001b', output);
    }

    [Fact]
    public async Task Show_Timeline_WritesTheBenchChartOfTheRun()
    {
        string path = await WriteLedgerAsync();
        string html = Path.Combine(_folder, "run.html");

        (int exitCode, _, _) = await InvokeAsync("ledger", "show", "run-old", "--ledger", path, "--timeline", html);

        Assert.Equal(0, exitCode);
        string page = await File.ReadAllTextAsync(html);
        Assert.StartsWith("<!DOCTYPE html>", page, StringComparison.Ordinal);
        Assert.Contains("<h1>ToolFlow ledger timeline</h1>", page, StringComparison.Ordinal);
        Assert.Contains("<h2>run run-old</h2>", page, StringComparison.Ordinal);
        Assert.Contains("send_email (c2): closed 250, started 901, completed 1100 ms", page, StringComparison.Ordinal);
        Assert.Contains("class=\"fail\"", page, StringComparison.Ordinal);
        Assert.Contains("bad tool name&lt;script&gt;", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Show_ControlCharactersInTheLedger_Neutralised()
    {
        string path = await WriteLedgerAsync();

        (_, string output, _) = await InvokeAsync("ledger", "show", "run-old", "--ledger", path);

        Assert.DoesNotContain('\u001b', output);
        Assert.DoesNotContain('\u0007', output);
        Assert.DoesNotContain('\r', output);
    }

    [Fact]
    public async Task Show_UnknownRun_Exits2NamingIt()
    {
        string path = await WriteLedgerAsync();

        (int exitCode, string output, string error) = await InvokeAsync("ledger", "show", "nope", "--ledger", path);

        Assert.Equal(Program.UsageError, exitCode);
        Assert.Equal(string.Empty, output);
        Assert.Equal("toolflow ledger show: the ledger has no run 'nope'; toolflow ledger list --ledger FILE lists them.\n", error.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task List_MissingFile_Exits2AndCreatesNothing()
    {
        string path = Path.Combine(_folder, "missing.db");

        (int exitCode, _, string error) = await InvokeAsync("ledger", "list", "--ledger", path);

        Assert.Equal(Program.UsageError, exitCode);
        Assert.Equal($"toolflow ledger list: no ledger file '{path}'.", error.TrimEnd());
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task List_NotALedger_Exits2WithAClearLine()
    {
        string path = Path.Combine(_folder, "notes.txt");
        await File.WriteAllTextAsync(path, "not a database, just some text that is long enough to fill a header page\n");

        (int exitCode, _, string error) = await InvokeAsync("ledger", "list", "--ledger", path);

        Assert.Equal(Program.UsageError, exitCode);
        Assert.Equal($"toolflow ledger list: '{path}' is not a SQLite database, so not a ToolFlow ledger.", error.TrimEnd());
    }

    [Fact]
    public async Task Show_TimelineInMissingFolder_Exits2BeforePrinting()
    {
        string path = await WriteLedgerAsync();

        (int exitCode, string output, string error) = await InvokeAsync("ledger", "show", "run-old", "--ledger", path, "--timeline", "/no/such/folder/t.html");

        Assert.Equal(Program.UsageError, exitCode);
        Assert.Equal(string.Empty, output);
        Assert.Contains("cannot write --timeline to '/no/such/folder/t.html': the folder '/no/such/folder' does not exist.", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_EmptyLedger_SaysSo()
    {
        string path = Path.Combine(_folder, "empty.db");
        await (await SqliteToolCallLedger.OpenAsync(path)).DisposeAsync();

        (int exitCode, string output, _) = await InvokeAsync("ledger", "list", "--ledger", path);

        Assert.Equal(0, exitCode);
        Assert.Equal("The ledger has no runs.\n", output);
    }

    private static async Task<(int ExitCode, string Output, string Error)> InvokeAsync(params string[] args)
    {
        var output = new StringWriter { NewLine = "\n" };
        var error = new StringWriter { NewLine = "\n" };
        int exitCode = await Program.InvokeAsync(args, new InvocationConfiguration { Output = output, Error = error }, CancellationToken.None);
        return (exitCode, output.ToString(), error.ToString());
    }

    private static DateTimeOffset At(double ms) => s_t0.AddMilliseconds(ms);

    private async Task<string> WriteLedgerAsync()
    {
        string path = Path.Combine(_folder, "ledger.db");
        await using SqliteToolCallLedger ledger = await SqliteToolCallLedger.OpenAsync(path);
        var oldRun = new LedgerRunRecord("run-old", "conv-1", "Await", s_t0, "[]", At(2500), "Answered", 1);
        var newRun = new LedgerRunRecord("run-new", "conv-2", "Await", At(300_000), "[]");
        ToolCallLedgerEntry c1 = new("run-old", "conv-1", "c1", 1, 0, "get_weather", """{"city":"Paris"}""", ToolEffects.ReadOnly)
        {
            DetectedAt = At(100),
            ClosedAt = At(150),
            DispatchedAt = At(150),
            Attempts = [new(1, At(150.5), At(850.5))],
            CompletedAt = At(850.5),
            MergedAt = At(1200),
            Outcome = ToolCallLedgerOutcome.Succeeded,
            ResultJson = "\"Sunny\"",
            ConsumedByTurn = 2,
            Replayed = true,
        };
        ToolCallLedgerEntry c2 = new("run-old", "conv-1", "c2", 1, 1, "send_email", $$"""{"body":"{{new string('a', 60)}}"}""", ToolEffects.SideEffecting)
        {
            IdempotencyKey = "run-old/c2",
            DetectedAt = At(200),
            ClosedAt = At(250),
            DispatchedAt = At(900),
            Attempts = [new(1, At(901), At(950), "timed out"), new(2, At(1000), At(1100))],
            CompletedAt = At(1100),
            Outcome = ToolCallLedgerOutcome.Failed,
            FailureKind = ToolCallFailureKind.Quarantined,
            PermissionAtDispatch = new ToolPermissionDecision(true, "acl", "r7"),
            PermissionAtResult = new ToolPermissionDecision(false, "acl", "r8", "revoked\u001b[2J by admin"),
        };

        // A model may name a tool anything: the terminal and the page must show it as text.
        ToolCallLedgerEntry c3 = new("run-old", "conv-1", "c3", 1, 2, "bad tool name<script>\u0007\r", "{}", ToolEffects.SideEffecting);
        await ledger.WriteAsync(new([oldRun, newRun], [new("run-old", 1, s_t0, At(1200)), new("run-old", 2, At(1200), At(2500)), new("run-new", 1, At(300_000))], [c1, c2, c3]), default);
        return path;
    }
}
