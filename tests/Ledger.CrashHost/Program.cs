using System.Text.Json;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;
using ToolFlow.Ledger.Sqlite;
using ToolFlow.Pipeline;
using ToolFlow.Providers.Scripted;

namespace ToolFlow.Ledger.CrashHost;

/// <summary>
/// <c>CrashHost --ledger FILE --world FILE --history FILE --run-id ID --generation N [--resume]</c>: runs (or resumes)
/// the crash test's conversation, printing one progress line per event and per tool step (the test kills it after a
/// line it chose), and on a clean end writes the final conversation as JSON to the history file.
/// </summary>
/// <remarks>
/// With <c>--resume</c> and no run of that id in the ledger (a kill before its first batch was durable), the run starts
/// afresh under the same id: nothing of it can have been recorded complete, and keyed effects keep their keys.
/// Exit codes: 0 answered; 1 any other end; 2 bad arguments.
/// </remarks>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        Dictionary<string, string> options = [];
        bool resume = false;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--resume")
            {
                resume = true;
            }
            else if (args[i].StartsWith("--", StringComparison.Ordinal) && i + 1 < args.Length)
            {
                options[args[i][2..]] = args[++i];
            }
        }

        if (!options.TryGetValue("ledger", out string? ledgerPath) || !options.TryGetValue("world", out string? worldPath)
            || !options.TryGetValue("history", out string? historyPath) || !options.TryGetValue("run-id", out string? runId)
            || !options.TryGetValue("generation", out string? generationText) || !int.TryParse(generationText, out int generation))
        {
            await Console.Error.WriteLineAsync("usage: CrashHost --ledger FILE --world FILE --history FILE --run-id ID --generation N [--resume]").ConfigureAwait(false);
            return 2;
        }

        TextWriter progress = TextWriter.Synchronized(Console.Out);
        await using SqliteToolCallLedger ledger = await SqliteToolCallLedger.OpenAsync(ledgerPath).ConfigureAwait(false);
        var model = new ScriptedChatClient(CrashScript.Turns(), new ScriptedModelOptions { TimeToFirstToken = TimeSpan.FromMilliseconds(1), TokensPerSecond = 10000, MaxTokenLength = 16 });
        ToolPipeline pipeline = ToolPipeline.CreateBuilder(model)
            .AddTools(CrashTools.Create(new World(worldPath, generation), progress))
            .WithLedger(ledger)
            .Configure(o => o.LedgerBatchWindow = TimeSpan.FromMilliseconds(5))
            .Build();

        bool recorded = await ledger.ReadRunAsync(runId, CancellationToken.None).ConfigureAwait(false) is not null;
        progress.WriteLine($"generation {generation} {(resume && recorded ? "resuming" : "starting")} {runId}");
        ToolPipelineRun run = resume && recorded
            ? await pipeline.ResumeAsync(runId).ConfigureAwait(false)
            : pipeline.Start([new ChatMessage(ChatRole.User, CrashScript.Prompt)], new ToolPipelineRunOptions { RunId = runId });
        await using (run.ConfigureAwait(false))
        {
            await foreach (ToolPipelineEvent e in run.Events.ConfigureAwait(false))
            {
                progress.WriteLine($"event {e.Sequence} {e.GetType().Name}");
                if (e is RunCompleted completed)
                {
                    // Written aside and moved into place: a kill never leaves half a history.
                    string temporary = historyPath + ".tmp";
                    await File.WriteAllTextAsync(temporary, JsonSerializer.Serialize(completed.Messages, AIJsonUtilities.DefaultOptions)).ConfigureAwait(false);
                    File.Move(temporary, historyPath, overwrite: true);
                    progress.WriteLine($"done {completed.Reason}");
                    return completed.Reason == RunCompletionReason.FinalAnswer ? 0 : 1;
                }
            }
        }

        return 1;
    }
}
