using ToolFlow.Cli.Bench;
using ToolFlow.Pipeline;
using ToolFlow.Profiling;

namespace ToolFlow.Cli.Ledger;

/// <summary>A recorded run drawn as <c>toolflow bench --timeline</c> draws a strategy's run: one lane, its turns and its calls.</summary>
internal static class LedgerTimeline
{
    public static string Render(LedgerRun run) => TimelineHtml.Render("ToolFlow ledger timeline", [Section(run)]);

    internal static TimelineSection Section(LedgerRun run)
    {
        DateTimeOffset start = run.Run.StartedAt;

        // The ledger keeps a turn's request and end, not its first token: the turn is drawn as one decoding bar.
        TurnTiming[] turns = [.. run.Turns.Select(t => new TurnTiming(t.Turn, Ms(start, t.StartedAt), Ms(start, t.StartedAt), t.EndedAt is { } e ? Ms(start, e) : null))];
        CallTiming[] calls = [.. run.Calls.Select(c =>
        {
            // A call the parser never closed (a crash mid-decode) is drawn from the first instant it has.
            double closed = Ms(start, c.ClosedAt ?? c.DetectedAt ?? c.DispatchedAt ?? start);
            double? started = c.Attempts.Count > 0 ? Ms(start, c.Attempts[0].StartedAt) : null;
            return new CallTiming(c.CallId, c.Tool, c.Turn, closed, started, c.CompletedAt is { } done ? Ms(start, done) : null, c.Outcome == ToolCallLedgerOutcome.Failed);
        })];
        double end = new[] { run.Run.EndedAt is { } e ? Ms(start, e) : 0 }
            .Concat(turns.Select(t => t.DecodeEndMs ?? t.StartedMs))
            .Concat(calls.Select(c => c.CompletedMs ?? c.StartedMs ?? c.ClosedMs))
            .Max();
        string outcome = LedgerReport.RunOutcome(run.Run);
        return new TimelineSection(
            $"run {run.Run.RunId}",
            $"conversation {run.Run.ConversationId}, mode {run.Run.Mode}, started {run.Run.StartedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC, {outcome}" + (run.Run.Resumes > 0 ? $", resumed {run.Run.Resumes} times" : string.Empty),
            null,
            [new TimelineLane($"{run.Run.RunId} — {end:F0} ms, {outcome}", end, [new TimelineConversation(run.Run.ConversationId, turns, calls)])]);
    }

    private static double Ms(DateTimeOffset start, DateTimeOffset at) => (at - start).TotalMilliseconds;
}
