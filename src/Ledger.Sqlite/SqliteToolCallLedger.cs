using Microsoft.Data.Sqlite;
using ToolFlow.Pipeline;

namespace ToolFlow.Ledger.Sqlite;

/// <summary>
/// A tool-call ledger in one SQLite file: the embedded default for durable runs and resume. Open one with
/// <see cref="OpenAsync(string, CancellationToken)"/>; dispose it to close the file.
/// </summary>
/// <remarks>
/// <para>
/// The file has four tables, <c>runs</c>, <c>turns</c>, <c>calls</c> and <c>attempts</c> (the README's "The ledger"
/// section lists their columns and keys), is marked as a ToolFlow ledger by <c>PRAGMA application_id</c> and versioned
/// by <c>PRAGMA user_version</c>. Opening a file that is not SQLite, is another program's database or was written by
/// a newer schema throws <see cref="InvalidDataException"/> and changes nothing in it.
/// </para>
/// <para>
/// Each <see cref="WriteAsync"/> is one transaction of upserts, committed with <c>synchronous = FULL</c> in WAL mode:
/// once it returns the batch survives a process kill and a power cut, and after a crash either the whole batch is there
/// or none of it. Writes go through one connection, one at a time; reads each take a pooled connection and a read
/// transaction, so they see a whole batch or none of it and run while a write commits, in this process or another.
/// </para>
/// <para>Everything written reads back field for field; instants come back in UTC, exact to the tick.</para>
/// </remarks>
public sealed class SqliteToolCallLedger : IToolCallLedger, IAsyncDisposable
{
    private readonly SqliteConnection? _writer;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly string _readConnectionString;
    private int _disposed;

    private SqliteToolCallLedger(string source, SqliteConnection? writer, string readConnectionString)
    {
        Source = source;
        _writer = writer;
        _readConnectionString = readConnectionString;
    }

    /// <summary>The file (or data source) the ledger is in.</summary>
    public string Source { get; }

    /// <summary>Whether the ledger was opened read-only (<see cref="SqliteOpenMode.ReadOnly"/>): writes then throw.</summary>
    public bool IsReadOnly => _writer is null;

    /// <summary>Opens the ledger in a file, creating the file and its schema if there is none.</summary>
    /// <param name="path">The file's path.</param>
    /// <param name="cancellationToken">Cancels the open.</param>
    /// <returns>The open ledger.</returns>
    /// <exception cref="InvalidDataException">The file is not SQLite, is another program's database, or is of a newer schema.</exception>
    public static ValueTask<SqliteToolCallLedger> OpenAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return OpenAsync(new SqliteConnectionStringBuilder { DataSource = path }, cancellationToken);
    }

    /// <summary>
    /// Opens the ledger a connection string names. With <see cref="SqliteOpenMode.ReadOnly"/> the file must exist and
    /// be a ledger already, and the ledger only reads; otherwise a missing file or an empty database gets the schema.
    /// </summary>
    /// <param name="connectionString">The connection string (its pooling and cache settings are kept).</param>
    /// <param name="cancellationToken">Cancels the open.</param>
    /// <returns>The open ledger.</returns>
    /// <exception cref="InvalidDataException">The file is not SQLite, is another program's database, or is of a newer schema.</exception>
    /// <exception cref="FileNotFoundException">The mode is read-only and the file does not exist.</exception>
    public static async ValueTask<SqliteToolCallLedger> OpenAsync(SqliteConnectionStringBuilder connectionString, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        var builder = new SqliteConnectionStringBuilder(connectionString.ConnectionString);
        string source = builder.DataSource;
        bool readOnly = builder.Mode == SqliteOpenMode.ReadOnly;
        if (readOnly && !File.Exists(source))
        {
            throw new FileNotFoundException($"The ledger file '{source}' does not exist.", source);
        }

        var connection = new SqliteConnection(builder.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await LedgerSchema.EnsureAsync(connection, source, create: !readOnly, cancellationToken).ConfigureAwait(false);
            if (readOnly)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                return new SqliteToolCallLedger(source, null, builder.ConnectionString);
            }

            // FULL: a commit is on disk before WriteAsync returns, which the write-ahead rule for unkeyed side effects needs.
            using (SqliteCommand pragma = connection.CreateCommand())
            {
                pragma.CommandText = "PRAGMA synchronous = FULL;";
                await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            return new SqliteToolCallLedger(source, connection, builder.ConnectionString);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            SqliteConnection.ClearPool(connection);
            throw;
        }
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">The ledger was opened read-only.</exception>
    public async ValueTask WriteAsync(ToolCallLedgerBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (_writer is null)
        {
            throw new InvalidOperationException($"The ledger '{Source}' was opened read-only.");
        }

        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            await LedgerWriter.WriteAsync(_writer, batch, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<LedgerRunRecord>> ListRunsAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        SqliteConnection connection = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await LedgerReader.ListRunsAsync(connection, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public async ValueTask<LedgerRun?> ReadRunAsync(string runId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runId);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        SqliteConnection connection = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await LedgerReader.ReadRunAsync(connection, runId, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Waits for a write under way, closes the file and lets go of its pooled connections.</summary>
    /// <returns>A task that completes when the file is closed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_writer is not null)
            {
                await _writer.DisposeAsync().ConfigureAwait(false);
            }

            // Pooled readers keep the file open; clearing the pool lets a caller delete or move it at once.
            using var pooled = new SqliteConnection(_readConnectionString);
            SqliteConnection.ClearPool(pooled);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task<SqliteConnection> OpenReaderAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_readConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
