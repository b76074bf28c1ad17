using Microsoft.Data.Sqlite;
using ToolFlow.Blocks;
using ToolFlow.Pipeline;

namespace ToolFlow.Ledger.Sqlite;

/// <summary>Reads records back, each read in one transaction so it sees whole batches only.</summary>
internal static class LedgerReader
{
    private const string RunColumns = "run_id, conversation_id, mode, started_at, messages_json, ended_at, completion, resumes";

    private const string CallColumns = """
        call_id, conversation_id, turn, call_index, tool, arguments_json, effects, idempotency_key,
        detected_at, closed_at, dispatched_at, completed_at, merged_at, outcome, failure_kind, result_json, quarantined_json,
        dispatch_allowed, dispatch_policy, dispatch_revision, dispatch_reason,
        result_allowed, result_policy, result_revision, result_reason, consumed_by_turn, replayed
        """;

    public static async Task<IReadOnlyList<LedgerRunRecord>> ListRunsAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = $"SELECT {RunColumns} FROM runs ORDER BY started_at DESC, run_id;";
        var runs = new List<LedgerRunRecord>();
        using SqliteDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            runs.Add(ReadRun(reader));
        }

        return runs;
    }

    public static async Task<LedgerRun?> ReadRunAsync(SqliteConnection connection, string runId, CancellationToken cancellationToken)
    {
        using SqliteTransaction transaction = connection.BeginTransaction(deferred: true);
        LedgerRunRecord? run = null;
        using (SqliteCommand command = Query(connection, transaction, $"SELECT {RunColumns} FROM runs WHERE run_id = $run_id;", runId))
        using (SqliteDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                run = ReadRun(reader);
            }
        }

        if (run is null)
        {
            return null;
        }

        var turns = new List<LedgerTurnRecord>();
        using (SqliteCommand command = Query(connection, transaction, "SELECT turn, started_at, ended_at, messages_json FROM turns WHERE run_id = $run_id ORDER BY turn;", runId))
        using (SqliteDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                turns.Add(new LedgerTurnRecord(
                    runId,
                    reader.GetInt32(0),
                    LedgerText.ParseTime(reader.GetString(1), "turns.started_at"),
                    Time(reader, 2, "turns.ended_at"),
                    Text(reader, 3)));
            }
        }

        Dictionary<string, List<ToolCallAttemptRecord>> attempts = await ReadAttemptsAsync(connection, transaction, runId, cancellationToken).ConfigureAwait(false);
        var calls = new List<ToolCallLedgerEntry>();
        using (SqliteCommand command = Query(connection, transaction, $"SELECT {CallColumns} FROM calls WHERE run_id = $run_id ORDER BY turn, call_index, call_id;", runId))
        using (SqliteDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                string callId = reader.GetString(0);
                calls.Add(new ToolCallLedgerEntry(
                    runId,
                    reader.GetString(1),
                    callId,
                    reader.GetInt32(2),
                    reader.GetInt32(3),
                    reader.GetString(4),
                    reader.GetString(5),
                    LedgerText.ParseEnum<ToolEffects>(reader.GetString(6), "calls.effects"))
                {
                    IdempotencyKey = Text(reader, 7),
                    DetectedAt = Time(reader, 8, "calls.detected_at"),
                    ClosedAt = Time(reader, 9, "calls.closed_at"),
                    DispatchedAt = Time(reader, 10, "calls.dispatched_at"),
                    CompletedAt = Time(reader, 11, "calls.completed_at"),
                    MergedAt = Time(reader, 12, "calls.merged_at"),
                    Outcome = LedgerText.ParseEnum<ToolCallLedgerOutcome>(reader.GetString(13), "calls.outcome"),
                    FailureKind = reader.IsDBNull(14) ? null : LedgerText.ParseEnum<ToolCallFailureKind>(reader.GetString(14), "calls.failure_kind"),
                    ResultJson = Text(reader, 15),
                    QuarantinedResultJson = Text(reader, 16),
                    PermissionAtDispatch = Decision(reader, 17),
                    PermissionAtResult = Decision(reader, 21),
                    ConsumedByTurn = reader.IsDBNull(25) ? null : reader.GetInt32(25),
                    Replayed = reader.GetBoolean(26),
                    Attempts = attempts.TryGetValue(callId, out List<ToolCallAttemptRecord>? list) ? list : [],
                });
            }
        }

        transaction.Commit();
        return new LedgerRun(run, turns, calls);
    }

    private static async Task<Dictionary<string, List<ToolCallAttemptRecord>>> ReadAttemptsAsync(
        SqliteConnection connection, SqliteTransaction transaction, string runId, CancellationToken cancellationToken)
    {
        var attempts = new Dictionary<string, List<ToolCallAttemptRecord>>(StringComparer.Ordinal);
        using SqliteCommand command = Query(connection, transaction, "SELECT call_id, attempt, started_at, ended_at, error FROM attempts WHERE run_id = $run_id ORDER BY call_id, position;", runId);
        using SqliteDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            string callId = reader.GetString(0);
            if (!attempts.TryGetValue(callId, out List<ToolCallAttemptRecord>? list))
            {
                attempts[callId] = list = [];
            }

            list.Add(new ToolCallAttemptRecord(
                reader.GetInt32(1),
                LedgerText.ParseTime(reader.GetString(2), "attempts.started_at"),
                Time(reader, 3, "attempts.ended_at"),
                Text(reader, 4)));
        }

        return attempts;
    }

    private static LedgerRunRecord ReadRun(SqliteDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        reader.GetString(2),
        LedgerText.ParseTime(reader.GetString(3), "runs.started_at"),
        reader.GetString(4),
        Time(reader, 5, "runs.ended_at"),
        Text(reader, 6),
        reader.GetInt32(7));

    // A decision's four columns are all null (no policy) or hold the decision.
    private static ToolPermissionDecision? Decision(SqliteDataReader reader, int first) =>
        reader.IsDBNull(first) ? null : new ToolPermissionDecision(reader.GetBoolean(first), reader.GetString(first + 1), Text(reader, first + 2), Text(reader, first + 3));

    private static SqliteCommand Query(SqliteConnection connection, SqliteTransaction transaction, string sql, string runId)
    {
        SqliteCommand command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.Parameters.AddWithValue("$run_id", runId);
        return command;
    }

    private static string? Text(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static DateTimeOffset? Time(SqliteDataReader reader, int ordinal, string column) =>
        reader.IsDBNull(ordinal) ? null : LedgerText.ParseTime(reader.GetString(ordinal), column);
}
