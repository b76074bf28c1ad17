using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using ToolFlow.Blocks;
using ToolFlow.Ledger.Sqlite;
using ToolFlow.Pipeline;
using Xunit.Abstractions;

namespace ToolFlow.Ledger.Tests;

/// <summary>
/// Issue 14's crash test: a child process runs a scripted conversation recorded in a SQLite ledger; the test kills it
/// after a progress line a seeded random picks, restarts it with resume (sometimes killing it again), until it ends;
/// then checks the outside world and the conversation against an uninterrupted run.
/// </summary>
public sealed class CrashTests : IDisposable
{
    /// <summary>How many conversations are interrupted.</summary>
    private const int Trials = 50;

    /// <summary>The most times one conversation is killed before it is let finish.</summary>
    private const int MaxKillsPerTrial = 4;

    /// <summary>The chance that a resumed process is killed again.</summary>
    private const double KillAgain = 0.4;

    /// <summary>The guard over the whole test: generous; a run takes about a second.</summary>
    private static readonly TimeSpan s_guard = TimeSpan.FromMinutes(10);

    private readonly TempFolder _folder = new();
    private readonly ITestOutputHelper _output;

    public CrashTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Resume_KilledAtRandomProgressLines_NoCallRunAfterItsCompletionWasRecordedAndTheConversationOfAnUninterruptedRun()
    {
        using var guard = new CancellationTokenSource(s_guard);
        CancellationToken ct = guard.Token;

        // The uninterrupted run: every call's effect once, and the conversation to compare with.
        Trial reference = new(_folder.File("reference"));
        Directory.CreateDirectory(reference.Folder);
        (bool _, int referenceExit, int referenceLines, string referenceError) = await CrashHostProcess.RunAsync(reference.Arguments(0, resume: false), null, ct);
        Assert.True(referenceExit == 0, referenceError);
        string referenceHistory = await File.ReadAllTextAsync(reference.History, ct);
        World referenceWorld = World.Read(reference.World);
        LedgerRun referenceRun = await ReadAsync(reference.Ledger, ct);
        Assert.Equal(referenceRun.Calls.Count, referenceWorld.Effects.Count);
        Assert.All(referenceRun.Calls, c => Assert.Single(referenceWorld.Effects, e => e.Tag == Tag(c)));

        var random = new Random(14);
        int kills = 0, outcomeUnknown = 0, rerunAfterCrash = 0, keyedDeduplicated = 0;
        for (int t = 0; t < Trials; t++)
        {
            Trial trial = new(_folder.File($"trial-{t}"));
            Directory.CreateDirectory(trial.Folder);

            // What the ledger held after each kill: the generation by which each call was recorded ended, and the
            // side-effecting calls without keys it held under way.
            var endedBy = new Dictionary<string, int>(StringComparer.Ordinal);
            var unkeyedInFlight = new HashSet<string>(StringComparer.Ordinal);
            var seen = new List<string>();
            int generation = 0;
            while (true)
            {
                int? killAfter = generation < MaxKillsPerTrial && (generation == 0 || random.NextDouble() < KillAgain) ? random.Next(1, referenceLines + 1) : null;
                (bool killed, int exit, _, string error) = await CrashHostProcess.RunAsync(trial.Arguments(generation, resume: generation > 0), killAfter, ct);
                if (!killed)
                {
                    Assert.True(exit == 0, $"trial {t}, generation {generation}: exit {exit}: {error}");
                    break;
                }

                kills++;
                if (File.Exists(trial.Ledger) && await TryReadAsync(trial.Ledger, ct) is { } atCrash)
                {
                    seen.Add($"after kill {generation}: " + string.Join("; ", atCrash.Calls.Select(c => $"{Tag(c)} {c.Outcome} dispatched={c.DispatchedAt is not null} attempts={c.Attempts.Count}")));
                    foreach (ToolCallLedgerEntry call in atCrash.Calls)
                    {
                        if (call.Outcome != ToolCallLedgerOutcome.Pending)
                        {
                            endedBy.TryAdd(Tag(call), generation);
                        }
                        else if (call.DispatchedAt is not null && call.Tool == "email")
                        {
                            unkeyedInFlight.Add(Tag(call));
                        }
                    }
                }

                generation++;
            }

            string where = $"trial {t} ({generation} kills)";
            World world = World.Read(trial.World);
            LedgerRun run = await ReadAsync(trial.Ledger, ct);
            Assert.True(run.Run.Completion == "FinalAnswer", where);
            Assert.True(
                referenceRun.Calls.Select(Tag).Order().SequenceEqual(run.Calls.Select(Tag).Order()),
                $"{where}: calls {string.Join(", ", run.Calls.Select(c => $"{c.CallId}={Tag(c)}"))}; {string.Join(" | ", seen)}");
            foreach (ToolCallLedgerEntry call in run.Calls)
            {
                string tag = Tag(call);
                Effect[] effects = [.. world.Effects.Where(e => e.Tag == tag)];

                // A call the ledger held as ended is never run again, in any later process.
                if (endedBy.TryGetValue(tag, out int ended))
                {
                    Assert.True(effects.All(e => e.Generation <= ended), $"{where}: {tag} was recorded ended by generation {ended} and ran again: {string.Join(", ", effects.Select(e => e.Generation))}");
                }

                switch (call.Tool)
                {
                    case "charge":
                        // Side-effecting, keyed: one effect, whatever the resumes; every attempt carries the same key.
                        Assert.True(effects.Length == 1, $"{where}: {tag} took effect {effects.Length} times");
                        Assert.Equal(call.IdempotencyKey, effects[0].Key);
                        Assert.Equal(ToolCallLedgerOutcome.Succeeded, call.Outcome);
                        keyedDeduplicated += call.Attempts.Count > 1 ? 1 : 0;
                        break;
                    case "email":
                        // Side-effecting without keys: never twice; under way at a crash, its outcome is unknown.
                        Assert.True(effects.Length <= 1, $"{where}: {tag} took effect {effects.Length} times");
                        if (unkeyedInFlight.Contains(tag) && !endedBy.ContainsKey(tag))
                        {
                            Assert.True(
                                (call.Outcome, call.FailureKind) == (ToolCallLedgerOutcome.Failed, ToolCallFailureKind.OutcomeUnknown),
                                $"{where}: {tag} was under way at a crash and ended {call.Outcome} {call.FailureKind}; {string.Join(" | ", seen)}; world: {string.Join(", ", world.Effects.Select(e => $"{e.Tag}@{e.Generation}"))}");
                        }

                        if (call.FailureKind == ToolCallFailureKind.OutcomeUnknown)
                        {
                            Assert.True(unkeyedInFlight.Contains(tag), $"{where}: {tag} is OutcomeUnknown but was never seen under way at a crash; {string.Join(" | ", seen)}; world: {string.Join(", ", world.Effects.Select(e => $"{e.Tag}@{e.Generation}"))}");
                            outcomeUnknown++;
                        }
                        else
                        {
                            Assert.Equal(ToolCallLedgerOutcome.Succeeded, call.Outcome);
                            Assert.True(effects.Length == 1, $"{where}: {tag} succeeded with {effects.Length} effects");
                        }

                        break;
                    default:
                        // Read-only and idempotent: done at least once; again only if its end had not reached the ledger.
                        Assert.Equal(ToolCallLedgerOutcome.Succeeded, call.Outcome);
                        Assert.NotEmpty(effects);
                        rerunAfterCrash += effects.Length - 1;
                        break;
                }
            }

            // The conversation is the uninterrupted one, except where an e-mail's outcome is unknown: there the model
            // is told so, and everything else is the same.
            string history = await File.ReadAllTextAsync(trial.History, ct);
            Assert.Equal(Expected(referenceHistory, history, run), Normalize(history));
        }

        _output.WriteLine($"{Trials} trials, {kills} kills; {outcomeUnknown} e-mails OutcomeUnknown; {rerunAfterCrash} read-only or idempotent re-runs after a crash; {keyedDeduplicated} keyed charges attempted more than once, took effect once.");
        Assert.True(kills >= Trials);
    }

    /// <summary>The reference conversation with the result of each OutcomeUnknown call as this run told the model.</summary>
    private static string Expected(string referenceHistory, string history, LedgerRun run)
    {
        HashSet<string> unknown = [.. run.Calls.Where(c => c.FailureKind == ToolCallFailureKind.OutcomeUnknown).Select(c => c.CallId)];
        Dictionary<string, JsonNode?> told = Results(JsonNode.Parse(history)!.AsArray());
        JsonArray expected = JsonNode.Parse(referenceHistory)!.AsArray();
        foreach (JsonNode? content in expected.SelectMany(m => m!["contents"]!.AsArray()))
        {
            if (content!["$type"]?.GetValue<string>() == "functionResult" && unknown.Contains(content["callId"]!.GetValue<string>()))
            {
                JsonNode? result = told[content["callId"]!.GetValue<string>()];
                Assert.Contains("may or may not have taken effect", result?.ToJsonString() ?? string.Empty, StringComparison.Ordinal);
                content["result"] = result?.DeepClone();
            }
        }

        return expected.ToJsonString();
    }

    private static Dictionary<string, JsonNode?> Results(JsonArray history) =>
        history.SelectMany(m => m!["contents"]!.AsArray())
            .Where(c => c!["$type"]?.GetValue<string>() == "functionResult")
            .ToDictionary(c => c!["callId"]!.GetValue<string>(), c => c!["result"]);

    private static string Normalize(string history) => JsonNode.Parse(history)!.ToJsonString();

    // A call killed before its arguments closed has none yet: it is named by its id.
    private static string Tag(ToolCallLedgerEntry call) => call.ArgumentsJson.Length == 0
        ? $"(unclosed {call.CallId})"
        : JsonDocument.Parse(call.ArgumentsJson).RootElement.GetProperty("tag").GetString()!;

    private static async Task<LedgerRun> ReadAsync(string path, CancellationToken ct) =>
        await TryReadAsync(path, ct) ?? throw new InvalidOperationException($"{path} has no run.");

    private static async Task<LedgerRun?> TryReadAsync(string path, CancellationToken ct)
    {
        await using SqliteToolCallLedger ledger = await SqliteToolCallLedger.OpenAsync(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }, ct);
        return await ledger.ReadRunAsync(Trial.RunId, ct);
    }

    /// <summary>One conversation's files.</summary>
    private sealed record Trial(string Folder)
    {
        public const string RunId = "crash-run";

        public string Ledger => Path.Combine(Folder, "ledger.db");

        public string World => Path.Combine(Folder, "world.txt");

        public string History => Path.Combine(Folder, "history.json");

        public string[] Arguments(int generation, bool resume) =>
            ["--ledger", Ledger, "--world", World, "--history", History, "--run-id", RunId, "--generation", generation.ToString(System.Globalization.CultureInfo.InvariantCulture), .. resume ? ["--resume"] : Array.Empty<string>()];
    }

    private sealed record Effect(string Tool, string Tag, int Generation, string? Key);

    /// <summary>The host's side file: <c>TOOL TAG generation=G key=KEY</c> per effect.</summary>
    private sealed record World(IReadOnlyList<Effect> Effects)
    {
        public static World Read(string path) => new(File.Exists(path)
            ? [.. File.ReadAllLines(path).Where(l => l.Length > 0).Select(l =>
            {
                string[] parts = l.Split(' ');
                string key = parts[3]["key=".Length..];
                return new Effect(parts[0], parts[1], int.Parse(parts[2]["generation=".Length..], System.Globalization.CultureInfo.InvariantCulture), key == "-" ? null : key);
            })]
            : []);
    }
}
