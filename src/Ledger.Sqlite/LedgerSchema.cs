using Microsoft.Data.Sqlite;

namespace ToolFlow.Ledger.Sqlite;

/// <summary>The ledger file's schema, its version and the checks a file passes before it is read or written.</summary>
/// <remarks>
/// A ToolFlow ledger is marked by <c>PRAGMA application_id</c> (<see cref="ApplicationId"/>) and versioned by
/// <c>PRAGMA user_version</c> (<see cref="Version"/>), both kept in the file's header. Times are ISO-8601 UTC text
/// with seven fraction digits (<see cref="LedgerText"/>): exact to the tick, readable in the sqlite3 shell, and in
/// time order when sorted as text. Enums are stored by name, so a reordered enum cannot change what a file means.
/// There are no enforced foreign keys: a batch's records may arrive in any order, as with the in-memory ledger.
/// </remarks>
internal static class LedgerSchema
{
    /// <summary>"TFlg": tells a ToolFlow ledger from any other SQLite file.</summary>
    public const int ApplicationId = 0x54466C67;

    /// <summary>The schema version this code reads and writes.</summary>
    public const int Version = 1;

    private const string CreateV1 = """
        CREATE TABLE runs (
            run_id          TEXT    NOT NULL PRIMARY KEY,
            conversation_id TEXT    NOT NULL,
            mode            TEXT    NOT NULL,
            started_at      TEXT    NOT NULL,
            messages_json   TEXT    NOT NULL,
            ended_at        TEXT,
            completion      TEXT,
            resumes         INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX runs_by_start ON runs (started_at DESC, run_id);

        CREATE TABLE turns (
            run_id        TEXT    NOT NULL,
            turn          INTEGER NOT NULL,
            started_at    TEXT    NOT NULL,
            ended_at      TEXT,
            messages_json TEXT,
            PRIMARY KEY (run_id, turn)
        ) WITHOUT ROWID;

        CREATE TABLE calls (
            run_id                TEXT    NOT NULL,
            call_id               TEXT    NOT NULL,
            conversation_id       TEXT    NOT NULL,
            turn                  INTEGER NOT NULL,
            call_index            INTEGER NOT NULL,
            tool                  TEXT    NOT NULL,
            arguments_json        TEXT    NOT NULL,
            effects               TEXT    NOT NULL,
            idempotency_key       TEXT,
            detected_at           TEXT,
            closed_at             TEXT,
            dispatched_at         TEXT,
            completed_at          TEXT,
            merged_at             TEXT,
            outcome               TEXT    NOT NULL,
            failure_kind          TEXT,
            result_json           TEXT,
            quarantined_json      TEXT,
            dispatch_allowed      INTEGER,
            dispatch_policy       TEXT,
            dispatch_revision     TEXT,
            dispatch_reason       TEXT,
            result_allowed        INTEGER,
            result_policy         TEXT,
            result_revision       TEXT,
            result_reason         TEXT,
            consumed_by_turn      INTEGER,
            replayed              INTEGER NOT NULL,
            PRIMARY KEY (run_id, call_id)
        ) WITHOUT ROWID;
        CREATE INDEX calls_by_turn ON calls (run_id, turn, call_index, call_id);

        CREATE TABLE attempts (
            run_id     TEXT    NOT NULL,
            call_id    TEXT    NOT NULL,
            position   INTEGER NOT NULL,
            attempt    INTEGER NOT NULL,
            started_at TEXT    NOT NULL,
            ended_at   TEXT,
            error      TEXT,
            PRIMARY KEY (run_id, call_id, position)
        ) WITHOUT ROWID;
        """;

    /// <summary>
    /// Checks the file is a ledger of a version this code knows, creating the schema in an empty file when
    /// <paramref name="create"/> is set.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not SQLite, is another program's database, or is newer.</exception>
    public static async Task EnsureAsync(SqliteConnection connection, string source, bool create, CancellationToken cancellationToken)
    {
        try
        {
            if (create)
            {
                // WAL lets readers (toolflow ledger show, a resume's read) go on while the writer commits; the mode is kept in the file.
                await ExecuteAsync(connection, null, "PRAGMA journal_mode = WAL;", cancellationToken).ConfigureAwait(false);

                // Immediate, so two processes opening a new file at once cannot both create the schema.
                using SqliteTransaction transaction = connection.BeginTransaction(deferred: false);
                if (await CheckAsync(connection, transaction, source, cancellationToken).ConfigureAwait(false))
                {
                    await ExecuteAsync(connection, transaction, CreateV1, cancellationToken).ConfigureAwait(false);
                    await ExecuteAsync(connection, transaction, $"PRAGMA application_id = {ApplicationId}; PRAGMA user_version = {Version};", cancellationToken).ConfigureAwait(false);
                }

                transaction.Commit();
            }
            else if (await CheckAsync(connection, null, source, cancellationToken).ConfigureAwait(false))
            {
                throw new InvalidDataException($"'{source}' is an empty database, not a ToolFlow ledger.");
            }
        }
        catch (SqliteException e) when (e.SqliteErrorCode == SQLitePCL.raw.SQLITE_NOTADB)
        {
            throw new InvalidDataException($"'{source}' is not a SQLite database, so not a ToolFlow ledger.", e);
        }
    }

    /// <summary>Whether the database is empty (and so may become a ledger); throws when it is something else.</summary>
    private static async Task<bool> CheckAsync(SqliteConnection connection, SqliteTransaction? transaction, string source, CancellationToken cancellationToken)
    {
        long applicationId = await ScalarAsync(connection, transaction, "PRAGMA application_id;", cancellationToken).ConfigureAwait(false);
        long version = await ScalarAsync(connection, transaction, "PRAGMA user_version;", cancellationToken).ConfigureAwait(false);
        long objects = await ScalarAsync(connection, transaction, "SELECT count(*) FROM sqlite_schema;", cancellationToken).ConfigureAwait(false);
        if (applicationId == 0 && version == 0 && objects == 0)
        {
            return true;
        }

        if (applicationId != ApplicationId)
        {
            throw new InvalidDataException(
                $"'{source}' is a SQLite database of another program (application_id {applicationId}, {objects} schema objects), not a ToolFlow ledger.");
        }

        if (version > Version)
        {
            throw new InvalidDataException(
                $"'{source}' is a ToolFlow ledger of schema version {version}, written by a newer ToolFlow; this one reads version {Version}.");
        }

        if (version < Version)
        {
            throw new InvalidDataException($"'{source}' is a ToolFlow ledger of unknown schema version {version}; this one reads version {Version}.");
        }

        return false;
    }

    private static async Task<long> ScalarAsync(SqliteConnection connection, SqliteTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task ExecuteAsync(SqliteConnection connection, SqliteTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
