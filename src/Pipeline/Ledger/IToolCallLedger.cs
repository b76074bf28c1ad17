namespace ToolFlow.Pipeline;

/// <summary>
/// A durable record of runs, their turns and every tool call: what was called, when each step happened, what came of it,
/// under which permissions, and which turn used the result. A pipeline with a ledger
/// (<c>ToolPipelineBuilder.WithLedger</c>) writes to it off the dispatch path, in batches, and resumes an
/// interrupted run from it.
/// </summary>
/// <remarks>
/// Writes are upserts: a record replaces the one with the same key (a run by its id, a turn by run and number, a call by
/// run and call id), so a batch may be written again after a failure. Implementations must be safe for one writer and
/// any number of readers at once. <see cref="InMemoryToolCallLedger"/> keeps records for a process's life;
/// <c>SqliteToolCallLedger</c> (ToolFlow.Ledger.Sqlite) keeps them in a file.
/// </remarks>
public interface IToolCallLedger
{
    /// <summary>Writes a batch of records, atomically: after a crash either all of it is there or none.</summary>
    /// <param name="batch">The records.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes once the batch is durable (as durable as the store is).</returns>
    ValueTask WriteAsync(ToolCallLedgerBatch batch, CancellationToken cancellationToken);

    /// <summary>Lists the runs recorded, the most recent first.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>Each run's record.</returns>
    ValueTask<IReadOnlyList<LedgerRunRecord>> ListRunsAsync(CancellationToken cancellationToken);

    /// <summary>Reads one run whole: its record, its turns and its calls.</summary>
    /// <param name="runId">The run.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The run, or <see langword="null"/> if the ledger has no run of that id.</returns>
    ValueTask<LedgerRun?> ReadRunAsync(string runId, CancellationToken cancellationToken);
}
