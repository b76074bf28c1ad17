using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ToolFlow.Pipeline;

namespace ToolFlow.Cli.Ledger;

/// <summary>
/// Writes ledger runs as text tables or JSON. Every string from the ledger (ids, tools, arguments, errors, reasons) is
/// untrusted: text output passes it through <see cref="TerminalText"/>, JSON through the serializer's escaping.
/// </summary>
internal static class LedgerReport
{
    /// <summary>How much of a call's arguments the table shows.</summary>
    public const int ArgumentsWidth = 40;

    /// <summary>How much of an id, a tool name or a reason the table shows.</summary>
    public const int TextWidth = 48;

    private static readonly CultureInfo s_c = CultureInfo.InvariantCulture;

    public static string List(IReadOnlyList<LedgerRun> runs)
    {
        if (runs.Count == 0)
        {
            return "The ledger has no runs.\n";
        }

        var rows = new List<string[]> { new[] { "run", "conversation", "started (UTC)", "turns", "calls", "outcome" } };
        rows.AddRange(runs.Select(r => new[]
        {
            Line(r.Run.RunId), Line(r.Run.ConversationId), Instant(r.Run.StartedAt), Count(r.Turns.Count), Count(r.Calls.Count), RunOutcome(r.Run),
        }));
        return Table(rows, rightAligned: [3, 4]);
    }

    public static string ListJson(IReadOnlyList<LedgerRun> runs) => new JsonObject
    {
        ["runs"] = new JsonArray([.. runs.Select(r => (JsonNode)new JsonObject
        {
            ["runId"] = r.Run.RunId,
            ["conversationId"] = r.Run.ConversationId,
            ["mode"] = r.Run.Mode,
            ["startedAt"] = r.Run.StartedAt,
            ["endedAt"] = r.Run.EndedAt,
            ["completion"] = r.Run.Completion,
            ["resumes"] = r.Run.Resumes,
            ["turns"] = r.Turns.Count,
            ["calls"] = r.Calls.Count,
            ["outcome"] = RunOutcome(r.Run),
        })]),
    }.ToJsonString();

    public static string Show(LedgerRun run)
    {
        LedgerRunRecord r = run.Run;
        DateTimeOffset start = r.StartedAt;
        var text = new StringBuilder();
        text.Append(s_c, $"run {Line(r.RunId)}: conversation {Line(r.ConversationId)}, mode {Line(r.Mode)}, started {Instant(start)} UTC, {RunOutcome(r)}");
        if (r.EndedAt is { } ended)
        {
            text.Append(s_c, $" at {Offset(start, ended)}");
        }

        text.Append(r.Resumes > 0 ? string.Create(s_c, $", resumed {r.Resumes} time{(r.Resumes == 1 ? string.Empty : "s")}") : string.Empty).Append('\n');
        foreach (LedgerTurnRecord t in run.Turns)
        {
            text.Append(s_c, $"turn {t.Turn}: {Offset(start, t.StartedAt)} to {Offset(start, t.EndedAt)}\n");
        }

        if (run.Calls.Count == 0)
        {
            return text.Append("No calls.\n").ToString();
        }

        text.Append("Times are milliseconds from the run's start.\n");
        var rows = new List<string[]>
        {
            new[] { "turn", "call", "tool", "arguments", "detected", "closed", "dispatched", "started", "ended", "attempts", "outcome", "permission", "consumed by" },
        };
        rows.AddRange(run.Calls.Select(c => new[]
        {
            Count(c.Turn),
            Line(c.CallId),
            Line(c.Tool),
            TerminalText.OneLine(c.ArgumentsJson, ArgumentsWidth),
            Offset(start, c.DetectedAt),
            Offset(start, c.ClosedAt),
            Offset(start, c.DispatchedAt),
            Offset(start, c.Attempts.Count > 0 ? c.Attempts[0].StartedAt : null),
            Offset(start, c.CompletedAt),
            Count(c.Attempts.Count),
            CallOutcome(c),
            Permission(c),
            c.ConsumedByTurn is { } turn ? Count(turn) : "-",
        }));
        return text.Append(Table(rows, rightAligned: [0, 4, 5, 6, 7, 8, 9, 12])).ToString();
    }

    public static string ShowJson(LedgerRun run)
    {
        DateTimeOffset start = run.Run.StartedAt;
        LedgerRunRecord r = run.Run;
        return new JsonObject
        {
            ["run"] = new JsonObject
            {
                ["runId"] = r.RunId,
                ["conversationId"] = r.ConversationId,
                ["mode"] = r.Mode,
                ["startedAt"] = r.StartedAt,
                ["endedMs"] = Ms(start, r.EndedAt),
                ["completion"] = r.Completion,
                ["resumes"] = r.Resumes,
                ["outcome"] = RunOutcome(r),
            },
            ["turns"] = new JsonArray([.. run.Turns.Select(t => (JsonNode)new JsonObject
            {
                ["turn"] = t.Turn,
                ["startedMs"] = Ms(start, t.StartedAt),
                ["endedMs"] = Ms(start, t.EndedAt),
            })]),
            ["calls"] = new JsonArray([.. run.Calls.Select(c => (JsonNode)new JsonObject
            {
                ["callId"] = c.CallId,
                ["turn"] = c.Turn,
                ["index"] = c.Index,
                ["tool"] = c.Tool,
                ["arguments"] = c.ArgumentsJson,
                ["effects"] = c.Effects.ToString(),
                ["idempotencyKey"] = c.IdempotencyKey,
                ["detectedMs"] = Ms(start, c.DetectedAt),
                ["closedMs"] = Ms(start, c.ClosedAt),
                ["dispatchedMs"] = Ms(start, c.DispatchedAt),
                ["startedMs"] = Ms(start, c.Attempts.Count > 0 ? c.Attempts[0].StartedAt : null),
                ["endedMs"] = Ms(start, c.CompletedAt),
                ["mergedMs"] = Ms(start, c.MergedAt),
                ["attempts"] = new JsonArray([.. c.Attempts.Select(a => (JsonNode)new JsonObject
                {
                    ["attempt"] = a.Attempt,
                    ["startedMs"] = Ms(start, a.StartedAt),
                    ["endedMs"] = Ms(start, a.EndedAt),
                    ["error"] = a.Error,
                })]),
                ["outcome"] = c.Outcome.ToString(),
                ["failureKind"] = c.FailureKind?.ToString(),
                ["result"] = c.ResultJson,
                ["permissionAtDispatch"] = Decision(c.PermissionAtDispatch),
                ["permissionAtResult"] = Decision(c.PermissionAtResult),
                ["consumedByTurn"] = c.ConsumedByTurn,
                ["replayed"] = c.Replayed,
            })]),
        }.ToJsonString();
    }

    /// <summary>How a run ended, in one word or two: its completion, or that it never recorded one.</summary>
    public static string RunOutcome(LedgerRunRecord run) =>
        run.Completion is { } completion ? Line(completion) : run.EndedAt is null ? "unfinished" : "ended";

    private static string CallOutcome(ToolCallLedgerEntry c)
    {
        string outcome = c.Outcome switch
        {
            ToolCallLedgerOutcome.Succeeded => "succeeded",
            ToolCallLedgerOutcome.Failed => c.FailureKind is { } kind ? $"failed: {kind}" : "failed",
            _ => c.DispatchedAt is null ? "pending" : "in flight",
        };
        return c.Replayed ? outcome + " (replayed)" : outcome;
    }

    private static string Permission(ToolCallLedgerEntry c)
    {
        if (c.PermissionAtDispatch is null && c.PermissionAtResult is null)
        {
            return "-";
        }

        return $"{Decision("dispatch", c.PermissionAtDispatch)}; {Decision("result", c.PermissionAtResult)}";

        static string Decision(string checkpoint, Blocks.ToolPermissionDecision? d) => d is null
            ? $"{checkpoint} -"
            : TerminalText.OneLine(
                $"{checkpoint} {(d.Allowed ? "allowed" : "denied")} by {d.Policy}{(d.Revision is null ? string.Empty : " " + d.Revision)}{(d.Reason is null ? string.Empty : ": " + d.Reason)}",
                TextWidth);
    }

    private static JsonObject? Decision(Blocks.ToolPermissionDecision? d) => d is null ? null : new JsonObject
    {
        ["allowed"] = d.Allowed,
        ["policy"] = d.Policy,
        ["revision"] = d.Revision,
        ["reason"] = d.Reason,
    };

    private static string Table(List<string[]> rows, int[] rightAligned)
    {
        int[] widths = [.. Enumerable.Range(0, rows[0].Length).Select(i => rows.Max(r => r[i].Length))];
        var text = new StringBuilder();
        foreach (string[] row in rows)
        {
            for (int i = 0; i < row.Length; i++)
            {
                string cell = rightAligned.Contains(i) ? row[i].PadLeft(widths[i]) : row[i].PadRight(widths[i]);
                text.Append(cell).Append(i == row.Length - 1 ? string.Empty : "  ");
            }

            text.Append('\n');
        }

        // Padding the last column leaves trailing spaces; a table reads the same without them.
        return string.Join('\n', text.ToString().Split('\n').Select(l => l.TrimEnd()));
    }

    private static string Line(string? text) => TerminalText.OneLine(text, TextWidth);

    private static string Count(int n) => n.ToString(s_c);

    private static string Instant(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", s_c);

    private static string Offset(DateTimeOffset start, DateTimeOffset? at) => at is { } a ? (a - start).TotalMilliseconds.ToString("F1", s_c) : "-";

    private static double? Ms(DateTimeOffset start, DateTimeOffset? at) => at is { } a ? Math.Round((a - start).TotalMilliseconds, 3) : null;
}
