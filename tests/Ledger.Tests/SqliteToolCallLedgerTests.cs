using Microsoft.Data.Sqlite;
using ToolFlow.Ledger.Sqlite;
using ToolFlow.Pipeline;
using static ToolFlow.Ledger.Tests.LedgerSamples;

namespace ToolFlow.Ledger.Tests;

/// <summary>What the SQLite store adds to the contract: the file, its schema version, durability and concurrent reads.</summary>
public sealed class SqliteToolCallLedgerTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task OpenAsync_Reopened_RecordsStillThere()
    {
        string path = _folder.File("ledger.db");
        LedgerRun written = new(Run("r"), [Turn("r", 1)], [FullCall("r", "c")]);
        await using (SqliteToolCallLedger first = await SqliteToolCallLedger.OpenAsync(path))
        {
            await first.WriteAsync(Batch([written.Run], written.Turns, written.Calls), default);
        }

        await using SqliteToolCallLedger second = await SqliteToolCallLedger.OpenAsync(path);

        Assert.Equal(Show(written), Show(await second.ReadRunAsync("r", default)));
    }

    [Fact]
    public async Task OpenAsync_NewFile_WalJournalAndSchemaVersionOne()
    {
        string path = _folder.File("ledger.db");
        await using (await SqliteToolCallLedger.OpenAsync(path))
        {
        }

        Assert.Equal("wal", await ScalarAsync(path, "PRAGMA journal_mode;"));
        Assert.Equal(1L, await ScalarAsync(path, "PRAGMA user_version;"));
        Assert.Equal(0x54466C67L, await ScalarAsync(path, "PRAGMA application_id;"));
        Assert.Equal("attempts,calls,runs,turns", await ScalarAsync(path, "SELECT group_concat(name) FROM (SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name);"));
    }

    [Fact]
    public async Task WriteAsync_Times_StoredAsIsoUtcTextExactToTheTick()
    {
        string path = _folder.File("ledger.db");
        await using (SqliteToolCallLedger ledger = await SqliteToolCallLedger.OpenAsync(path))
        {
            await ledger.WriteAsync(Batch([Run("r", 1.2345678)]), default);
        }

        Assert.Equal("2026-12-06T23:00:00.0012345Z", await ScalarAsync(path, "SELECT started_at FROM runs;"));
    }

    [Fact]
    public async Task ReadRunAsync_TimeWithOffsetWritten_SameInstantInUtc()
    {
        await using SqliteToolCallLedger ledger = await SqliteToolCallLedger.OpenAsync(_folder.File("ledger.db"));
        var local = new DateTimeOffset(2026, 12, 7, 1, 0, 0, TimeSpan.FromHours(2));

        await ledger.WriteAsync(Batch([Run("r") with { StartedAt = local }]), default);

        LedgerRun? read = await ledger.ReadRunAsync("r", default);
        Assert.Equal(local, read!.Run.StartedAt);
        Assert.Equal(TimeSpan.Zero, read.Run.StartedAt.Offset);
    }

    [Fact]
    public async Task OpenAsync_NotSqlite_ClearErrorAndFileUntouched()
    {
        string path = _folder.File("notes.txt");
        byte[] content = "These are my notes, not a database. They are long enough to look like a header.\n"u8.ToArray();
        await File.WriteAllBytesAsync(path, content);

        InvalidDataException e = await Assert.ThrowsAsync<InvalidDataException>(async () => await SqliteToolCallLedger.OpenAsync(path));

        Assert.Contains("is not a SQLite database", e.Message, StringComparison.Ordinal);
        Assert.Equal(content, await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task OpenAsync_AnotherProgramsDatabase_ClearErrorAndNoTablesAdded()
    {
        string path = _folder.File("other.db");
        await ExecuteAsync(path, "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT);");

        InvalidDataException e = await Assert.ThrowsAsync<InvalidDataException>(async () => await SqliteToolCallLedger.OpenAsync(path));

        Assert.Contains("another program", e.Message, StringComparison.Ordinal);
        Assert.Equal(1L, await ScalarAsync(path, "SELECT count(*) FROM sqlite_schema;"));
    }

    [Fact]
    public async Task OpenAsync_NewerSchemaVersion_ClearError()
    {
        string path = _folder.File("ledger.db");
        await using (await SqliteToolCallLedger.OpenAsync(path))
        {
        }

        await ExecuteAsync(path, "PRAGMA user_version = 2;");

        InvalidDataException e = await Assert.ThrowsAsync<InvalidDataException>(async () => await SqliteToolCallLedger.OpenAsync(path));
        Assert.Contains("schema version 2, written by a newer ToolFlow", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenAsync_ReadOnlyMissingFile_FileNotFoundAndNoFileCreated()
    {
        string path = _folder.File("missing.db");

        await Assert.ThrowsAsync<FileNotFoundException>(async () => await SqliteToolCallLedger.OpenAsync(ReadOnly(path)));

        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task OpenAsync_ReadOnlyEmptyDatabase_ClearErrorWithoutCreatingSchema()
    {
        string path = _folder.File("empty.db");
        await File.WriteAllBytesAsync(path, []);

        InvalidDataException e = await Assert.ThrowsAsync<InvalidDataException>(async () => await SqliteToolCallLedger.OpenAsync(ReadOnly(path)));

        Assert.Contains("not a ToolFlow ledger", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, new FileInfo(path).Length);
    }

    [Fact]
    public async Task WriteAsync_ReadOnlyLedger_ThrowsAndReadsWork()
    {
        string path = _folder.File("ledger.db");
        await using (SqliteToolCallLedger writer = await SqliteToolCallLedger.OpenAsync(path))
        {
            await writer.WriteAsync(Batch([Run("r")]), default);
        }

        await using SqliteToolCallLedger reader = await SqliteToolCallLedger.OpenAsync(ReadOnly(path));

        Assert.True(reader.IsReadOnly);
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await reader.WriteAsync(Batch([Run("s")]), default));
        Assert.Equal(["r"], (await reader.ListRunsAsync(default)).Select(r => r.RunId));
    }

    [Fact]
    public async Task WriteAsync_RecordFailsMidBatch_NothingOfTheBatchWritten()
    {
        await using SqliteToolCallLedger ledger = await SqliteToolCallLedger.OpenAsync(_folder.File("ledger.db"));
        await ledger.WriteAsync(Batch([Run("before")]), default);
        ToolCallLedgerEntry broken = BareCall("r", "c2") with { ArgumentsJson = null! };

        await Assert.ThrowsAsync<SqliteException>(async () => await ledger.WriteAsync(Batch([Run("r")], [Turn("r", 1)], [BareCall("r", "c1"), broken]), default));

        Assert.Null(await ledger.ReadRunAsync("r", default));
        Assert.Equal(["before"], (await ledger.ListRunsAsync(default)).Select(r => r.RunId));
        await ledger.WriteAsync(Batch([Run("after")]), default);
        Assert.NotNull(await ledger.ReadRunAsync("after", default));
    }

    [Fact]
    public async Task ReadRunAsync_WhileAnotherConnectionHoldsAWriteTransaction_ReadsLastCommitWithoutWaiting()
    {
        string path = _folder.File("ledger.db");
        await using SqliteToolCallLedger ledger = await SqliteToolCallLedger.OpenAsync(path);
        await ledger.WriteAsync(Batch([Run("r")], [], [BareCall("r", "c1")]), default);
        await using var writer = new SqliteConnection($"Data Source={path};Pooling=False");
        await writer.OpenAsync();
        using SqliteTransaction open = writer.BeginTransaction(deferred: false);
        using (SqliteCommand insert = writer.CreateCommand())
        {
            insert.CommandText = "UPDATE calls SET tool = 'changed'; INSERT INTO runs VALUES ('s', 'c', 'Await', '2026-01-01T00:00:00.0000000Z', '[]', NULL, NULL, 0);";
            await insert.ExecuteNonQueryAsync();
        }

        LedgerRun? read = await ledger.ReadRunAsync("r", default);
        IReadOnlyList<LedgerRunRecord> runs = await ledger.ListRunsAsync(default);

        Assert.Equal("get_weather", read!.Calls.Single().Tool);
        Assert.Equal(["r"], runs.Select(r => r.RunId));
        open.Commit();
        Assert.Equal("changed", (await ledger.ReadRunAsync("r", default))!.Calls.Single().Tool);
    }

    [Fact]
    public async Task ReadRunAsync_ConcurrentWithWrites_EachReadSeesWholeBatches()
    {
        await using SqliteToolCallLedger ledger = await SqliteToolCallLedger.OpenAsync(_folder.File("ledger.db"));
        await ledger.WriteAsync(Batch([Run("r")]), default);

        // Each batch adds a turn and its ten calls: a read that saw part of a batch would see a count off the multiple.
        Task writes = Task.Run(async () =>
        {
            for (int turn = 1; turn <= 30; turn++)
            {
                await ledger.WriteAsync(Batch([], [Turn("r", turn)], [.. Enumerable.Range(0, 10).Select(i => BareCall("r", $"{turn}-{i}", turn, i))]), default);
            }
        });
        var seen = new List<(int Turns, int Calls)>();
        while (!writes.IsCompleted)
        {
            LedgerRun? read = await ledger.ReadRunAsync("r", default);
            seen.Add((read!.Turns.Count, read.Calls.Count));
        }

        await writes;
        Assert.All(seen, s => Assert.Equal(s.Turns * 10, s.Calls));
        Assert.Equal(300, (await ledger.ReadRunAsync("r", default))!.Calls.Count);
    }

    [Fact]
    public async Task ReadRunAsync_UnknownEnumNameInFile_ClearError()
    {
        string path = _folder.File("ledger.db");
        await using SqliteToolCallLedger ledger = await SqliteToolCallLedger.OpenAsync(path);
        await ledger.WriteAsync(Batch([Run("r")], [], [BareCall("r", "c")]), default);
        await ExecuteAsync(path, "UPDATE calls SET outcome = 'Teleported';");

        InvalidDataException e = await Assert.ThrowsAsync<InvalidDataException>(async () => await ledger.ReadRunAsync("r", default));

        Assert.Contains("calls.outcome holds 'Teleported'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DisposeAsync_Disposed_FileCanBeDeletedAndUseThrows()
    {
        string path = _folder.File("ledger.db");
        SqliteToolCallLedger ledger = await SqliteToolCallLedger.OpenAsync(path);
        await ledger.WriteAsync(Batch([Run("r")]), default);
        await ledger.ListRunsAsync(default);

        await ledger.DisposeAsync();
        await ledger.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await ledger.WriteAsync(Batch(), default));
        File.Delete(path);
        Assert.False(File.Exists(path));
    }

    private static SqliteConnectionStringBuilder ReadOnly(string path) => new() { DataSource = path, Mode = SqliteOpenMode.ReadOnly };

    private static async Task<object?> ScalarAsync(string path, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        await connection.OpenAsync();
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }

    private static async Task ExecuteAsync(string path, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        await connection.OpenAsync();
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
