using System.CommandLine;
using Microsoft.Data.Sqlite;
using ToolFlow.Ledger.Sqlite;
using ToolFlow.Pipeline;

namespace ToolFlow.Cli.Ledger;

/// <summary>
/// <c>toolflow ledger list --ledger FILE</c> and <c>toolflow ledger show RUN --ledger FILE [--timeline FILE.html] [--json]</c>:
/// the runs a ledger recorded, and one run's calls with their timings, outcomes and permissions. Both only read the file.
/// </summary>
internal static class LedgerCommand
{
    public static Command Create()
    {
        var command = new Command("ledger", "Read a ledger that toolflow run --ledger (or a pipeline with a SQLite ledger) recorded.");
        command.Subcommands.Add(CreateList());
        command.Subcommands.Add(CreateShow());
        return command;
    }

    private static Option<string> LedgerOption() =>
        new("--ledger") { Description = "The ledger file (SQLite), as toolflow run --ledger wrote it.", Required = true };

    private static Command CreateList()
    {
        Option<string> ledger = LedgerOption();
        var json = new Option<bool>("--json") { Description = "Print {\"runs\": [{\"runId\", \"conversationId\", \"startedAt\", \"turns\", \"calls\", \"outcome\", ...}]}." };
        var command = new Command("list", "List the recorded runs, most recent first: id, conversation, start, turns, calls, how each ended.") { ledger, json };
        command.SetAction((parse, cancellationToken) => RunAsync(parse, "list", parse.GetValue(ledger)!, async (store, output) =>
        {
            var runs = new List<LedgerRun>();
            foreach (LedgerRunRecord record in await store.ListRunsAsync(cancellationToken))
            {
                // Read whole so each line can count turns and calls; a run removed meanwhile is skipped.
                if (await store.ReadRunAsync(record.RunId, cancellationToken) is { } run)
                {
                    runs.Add(run);
                }
            }

            await output.WriteAsync(parse.GetValue(json) ? LedgerReport.ListJson(runs) + "\n" : LedgerReport.List(runs));
            return 0;
        }));
        return command;
    }

    private static Command CreateShow()
    {
        var runId = new Argument<string>("RUN") { Description = "The run's id, as toolflow ledger list prints it." };
        Option<string> ledger = LedgerOption();
        var timeline = new Option<string?>("--timeline") { Description = "Also write the run as a self-contained HTML Gantt chart, as toolflow bench --timeline draws." };
        var json = new Option<bool>("--json") { Description = "Print the run as one JSON object: the run, its turns, and each call whole (times in ms from the run's start)." };
        var command = new Command("show", "Print one run's calls: turn, tool, arguments, when each was detected, closed, dispatched, started and ended, attempts, outcome, permissions, and the turn that used its result.")
        {
            runId, ledger, timeline, json,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            string? timelinePath = parse.GetValue(timeline);
            return RunAsync(parse, "show", parse.GetValue(ledger)!, async (store, output) =>
            {
                if (timelinePath is not null && OutputFile.Problem(timelinePath) is { } problem)
                {
                    throw new ArgumentException($"cannot write --timeline to '{timelinePath}': {problem}.");
                }

                string id = parse.GetValue(runId)!;
                LedgerRun run = await store.ReadRunAsync(id, cancellationToken)
                    ?? throw new ArgumentException($"the ledger has no run '{id}'; toolflow ledger list --ledger FILE lists them.");
                await output.WriteAsync(parse.GetValue(json) ? LedgerReport.ShowJson(run) + "\n" : LedgerReport.Show(run));
                if (timelinePath is not null)
                {
                    await File.WriteAllTextAsync(timelinePath, LedgerTimeline.Render(run), cancellationToken);
                }

                return 0;
            });
        });
        return command;
    }

    /// <summary>Opens the ledger read-only and runs the action; a missing, foreign or newer file and an unknown run exit 2.</summary>
    private static async Task<int> RunAsync(ParseResult parse, string name, string path, Func<SqliteToolCallLedger, TextWriter, Task<int>> action)
    {
        TextWriter error = parse.InvocationConfiguration.Error;
        try
        {
            if (!File.Exists(path))
            {
                throw new ArgumentException(Directory.Exists(path) ? $"--ledger '{path}' is a folder, not a ledger file." : $"no ledger file '{path}'.");
            }

            SqliteToolCallLedger store = await SqliteToolCallLedger.OpenAsync(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly });
            await using (store.ConfigureAwait(false))
            {
                return await action(store, parse.InvocationConfiguration.Output);
            }
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or FileNotFoundException or SqliteException)
        {
            // Paths and run ids come from the user, file contents from whoever wrote the file: one safe line.
            await error.WriteLineAsync($"toolflow ledger {name}: {TerminalText.OneLine(e.Message)}");
            return Program.UsageError;
        }
    }
}
