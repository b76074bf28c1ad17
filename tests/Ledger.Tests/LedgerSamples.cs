using System.Text.Json;
using System.Text.Json.Serialization;
using ToolFlow.Blocks;
using ToolFlow.Pipeline;

namespace ToolFlow.Ledger.Tests;

/// <summary>Records with every field set, and a structural view of a run to compare what was written with what is read.</summary>
internal static class LedgerSamples
{
    public static readonly DateTimeOffset T0 = new(2026, 12, 6, 23, 0, 0, TimeSpan.Zero);

    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true, Converters = { new JsonStringEnumConverter() } };

    public static DateTimeOffset At(double milliseconds) => T0.AddTicks((long)(milliseconds * TimeSpan.TicksPerMillisecond));

    public static LedgerRunRecord Run(string runId, double startedMs = 0, string conversationId = "conv-1") =>
        new(runId, conversationId, "Await", At(startedMs), """[{"role":"user","contents":[{"$type":"text","text":"Plan a trip"}]}]""");

    public static LedgerTurnRecord Turn(string runId, int turn, bool complete = true) =>
        new(runId, turn, At(turn * 1000), complete ? At(turn * 1000 + 900.0001) : null, complete ? $"[{{\"turn\":{turn}}}]" : null);

    /// <summary>A call with every field set, down to sub-millisecond ticks, two attempts and both permission decisions.</summary>
    public static ToolCallLedgerEntry FullCall(string runId, string callId, int turn = 1, int index = 0) =>
        new(runId, "conv-1", callId, turn, index, "send_email", """{"body":"héllo\n\u0007","to":"a@b.c"}""", ToolEffects.SideEffecting)
        {
            IdempotencyKey = $"{runId}/{callId}",
            DetectedAt = At(10.0001),
            ClosedAt = At(20.5),
            DispatchedAt = At(21),
            Attempts =
            [
                new ToolCallAttemptRecord(1, At(22), At(30), "timed out"),
                new ToolCallAttemptRecord(2, At(40), At(55.1234567)),
            ],
            CompletedAt = At(55.1234567),
            MergedAt = At(60),
            Outcome = ToolCallLedgerOutcome.Failed,
            FailureKind = ToolCallFailureKind.Quarantined,
            ResultJson = "\"The result was quarantined.\"",
            QuarantinedResultJson = """{"sent":true}""",
            PermissionAtDispatch = new ToolPermissionDecision(true, "acl", "r7"),
            PermissionAtResult = new ToolPermissionDecision(false, "acl", "r8", "revoked by admin"),
            ConsumedByTurn = turn + 1,
            Replayed = true,
        };

    /// <summary>A call with only what is required: every optional field empty.</summary>
    public static ToolCallLedgerEntry BareCall(string runId, string callId, int turn = 1, int index = 0) =>
        new(runId, "conv-1", callId, turn, index, "get_weather", "{}", ToolEffects.ReadOnly);

    public static ToolCallLedgerBatch Batch(
        IReadOnlyList<LedgerRunRecord>? runs = null, IReadOnlyList<LedgerTurnRecord>? turns = null, IReadOnlyList<ToolCallLedgerEntry>? calls = null) =>
        new(runs ?? [], turns ?? [], calls ?? []);

    /// <summary>The run as JSON: lists compared element by element, every field by value.</summary>
    public static string Show(LedgerRun? run) => JsonSerializer.Serialize(run, s_json);

    public static string Show(IEnumerable<LedgerRunRecord> runs) => JsonSerializer.Serialize(runs, s_json);
}
