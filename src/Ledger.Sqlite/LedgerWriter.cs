using Microsoft.Data.Sqlite;
using ToolFlow.Blocks;
using ToolFlow.Pipeline;

namespace ToolFlow.Ledger.Sqlite;

/// <summary>Writes a batch as one transaction of upserts, each statement prepared once per batch.</summary>
internal static class LedgerWriter
{
    private const string UpsertRun = """
        INSERT OR REPLACE INTO runs (run_id, conversation_id, mode, started_at, messages_json, ended_at, completion, resumes)
        VALUES ($run_id, $conversation_id, $mode, $started_at, $messages_json, $ended_at, $completion, $resumes);
        """;

    private const string UpsertTurn = """
        INSERT OR REPLACE INTO turns (run_id, turn, started_at, ended_at, messages_json)
        VALUES ($run_id, $turn, $started_at, $ended_at, $messages_json);
        """;

    private const string UpsertCall = """
        INSERT OR REPLACE INTO calls (
            run_id, call_id, conversation_id, turn, call_index, tool, arguments_json, effects, idempotency_key,
            detected_at, closed_at, dispatched_at, completed_at, merged_at, outcome, failure_kind, result_json, quarantined_json,
            dispatch_allowed, dispatch_policy, dispatch_revision, dispatch_reason,
            result_allowed, result_policy, result_revision, result_reason, consumed_by_turn, replayed)
        VALUES (
            $run_id, $call_id, $conversation_id, $turn, $call_index, $tool, $arguments_json, $effects, $idempotency_key,
            $detected_at, $closed_at, $dispatched_at, $completed_at, $merged_at, $outcome, $failure_kind, $result_json, $quarantined_json,
            $dispatch_allowed, $dispatch_policy, $dispatch_revision, $dispatch_reason,
            $result_allowed, $result_policy, $result_revision, $result_reason, $consumed_by_turn, $replayed);
        """;

    // A call's upsert carries all its attempts: the old ones go, so an attempt list that shrank reads back as written.
    private const string DeleteAttempts = "DELETE FROM attempts WHERE run_id = $run_id AND call_id = $call_id;";

    private const string InsertAttempt = """
        INSERT INTO attempts (run_id, call_id, position, attempt, started_at, ended_at, error)
        VALUES ($run_id, $call_id, $position, $attempt, $started_at, $ended_at, $error);
        """;

    public static async Task WriteAsync(SqliteConnection connection, ToolCallLedgerBatch batch, CancellationToken cancellationToken)
    {
        // Immediate: the write lock is taken up front, so the transaction never fails half way to upgrade it.
        using SqliteTransaction transaction = connection.BeginTransaction(deferred: false);
        if (batch.Runs.Count > 0)
        {
            using SqliteCommand run = Prepare(connection, transaction, UpsertRun);
            foreach (LedgerRunRecord r in batch.Runs)
            {
                ArgumentNullException.ThrowIfNull(r, nameof(batch));
                Set(run, "$run_id", r.RunId);
                Set(run, "$conversation_id", r.ConversationId);
                Set(run, "$mode", r.Mode);
                Set(run, "$started_at", LedgerText.Time(r.StartedAt));
                Set(run, "$messages_json", r.MessagesJson);
                Set(run, "$ended_at", LedgerText.Time(r.EndedAt));
                Set(run, "$completion", r.Completion);
                Set(run, "$resumes", r.Resumes);
                await run.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        if (batch.Turns.Count > 0)
        {
            using SqliteCommand turn = Prepare(connection, transaction, UpsertTurn);
            foreach (LedgerTurnRecord t in batch.Turns)
            {
                ArgumentNullException.ThrowIfNull(t, nameof(batch));
                Set(turn, "$run_id", t.RunId);
                Set(turn, "$turn", t.Turn);
                Set(turn, "$started_at", LedgerText.Time(t.StartedAt));
                Set(turn, "$ended_at", LedgerText.Time(t.EndedAt));
                Set(turn, "$messages_json", t.MessagesJson);
                await turn.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        if (batch.Calls.Count > 0)
        {
            using SqliteCommand call = Prepare(connection, transaction, UpsertCall);
            using SqliteCommand delete = Prepare(connection, transaction, DeleteAttempts);
            using SqliteCommand attempt = Prepare(connection, transaction, InsertAttempt);
            foreach (ToolCallLedgerEntry c in batch.Calls)
            {
                ArgumentNullException.ThrowIfNull(c, nameof(batch));
                await WriteCallAsync(call, c, cancellationToken).ConfigureAwait(false);
                Set(delete, "$run_id", c.RunId);
                Set(delete, "$call_id", c.CallId);
                await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                for (int i = 0; i < c.Attempts.Count; i++)
                {
                    ToolCallAttemptRecord a = c.Attempts[i];
                    ArgumentNullException.ThrowIfNull(a, nameof(batch));
                    Set(attempt, "$run_id", c.RunId);
                    Set(attempt, "$call_id", c.CallId);
                    Set(attempt, "$position", i);
                    Set(attempt, "$attempt", a.Attempt);
                    Set(attempt, "$started_at", LedgerText.Time(a.StartedAt));
                    Set(attempt, "$ended_at", LedgerText.Time(a.EndedAt));
                    Set(attempt, "$error", a.Error);
                    await attempt.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }

        // A failure above disposes the transaction uncommitted: none of the batch is written.
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task WriteCallAsync(SqliteCommand call, ToolCallLedgerEntry c, CancellationToken cancellationToken)
    {
        Set(call, "$run_id", c.RunId);
        Set(call, "$call_id", c.CallId);
        Set(call, "$conversation_id", c.ConversationId);
        Set(call, "$turn", c.Turn);
        Set(call, "$call_index", c.Index);
        Set(call, "$tool", c.Tool);
        Set(call, "$arguments_json", c.ArgumentsJson);
        Set(call, "$effects", c.Effects.ToString());
        Set(call, "$idempotency_key", c.IdempotencyKey);
        Set(call, "$detected_at", LedgerText.Time(c.DetectedAt));
        Set(call, "$closed_at", LedgerText.Time(c.ClosedAt));
        Set(call, "$dispatched_at", LedgerText.Time(c.DispatchedAt));
        Set(call, "$completed_at", LedgerText.Time(c.CompletedAt));
        Set(call, "$merged_at", LedgerText.Time(c.MergedAt));
        Set(call, "$outcome", c.Outcome.ToString());
        Set(call, "$failure_kind", c.FailureKind?.ToString());
        Set(call, "$result_json", c.ResultJson);
        Set(call, "$quarantined_json", c.QuarantinedResultJson);
        SetDecision(call, "$dispatch", c.PermissionAtDispatch);
        SetDecision(call, "$result", c.PermissionAtResult);
        Set(call, "$consumed_by_turn", c.ConsumedByTurn);
        Set(call, "$replayed", c.Replayed);
        await call.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static void SetDecision(SqliteCommand command, string prefix, ToolPermissionDecision? decision)
    {
        Set(command, prefix + "_allowed", decision?.Allowed);
        Set(command, prefix + "_policy", decision?.Policy);
        Set(command, prefix + "_revision", decision?.Revision);
        Set(command, prefix + "_reason", decision?.Reason);
    }

    private static SqliteCommand Prepare(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        SqliteCommand command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    // Parameters are added on first use and reset after: one command serves every record of its kind in the batch.
    private static void Set(SqliteCommand command, string name, object? value)
    {
        object stored = value ?? DBNull.Value;
        if (command.Parameters.Contains(name))
        {
            command.Parameters[name].Value = stored;
        }
        else
        {
            command.Parameters.AddWithValue(name, stored);
        }
    }
}
