namespace ToolFlow.Pipeline;

/// <summary>A ledger held in memory for the life of the process: for tests, and for runs that need provenance but not durability.</summary>
public sealed class InMemoryToolCallLedger : IToolCallLedger
{
    private readonly object _lock = new();
    private readonly Dictionary<string, LedgerRunRecord> _runs = new(StringComparer.Ordinal);
    private readonly Dictionary<(string RunId, int Turn), LedgerTurnRecord> _turns = [];
    private readonly Dictionary<(string RunId, string CallId), ToolCallLedgerEntry> _calls = [];

    /// <summary>How many batches have been written: each is one write to a durable store.</summary>
    public int BatchCount { get; private set; }

    /// <inheritdoc/>
    public ValueTask WriteAsync(ToolCallLedgerBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            foreach (LedgerRunRecord run in batch.Runs)
            {
                _runs[run.RunId] = run;
            }

            foreach (LedgerTurnRecord turn in batch.Turns)
            {
                _turns[(turn.RunId, turn.Turn)] = turn;
            }

            foreach (ToolCallLedgerEntry call in batch.Calls)
            {
                _calls[(call.RunId, call.CallId)] = call;
            }

            BatchCount++;
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<LedgerRunRecord>> ListRunsAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            return new([.. _runs.Values.OrderByDescending(r => r.StartedAt).ThenBy(r => r.RunId, StringComparer.Ordinal)]);
        }
    }

    /// <inheritdoc/>
    public ValueTask<LedgerRun?> ReadRunAsync(string runId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runId);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            if (!_runs.TryGetValue(runId, out LedgerRunRecord? run))
            {
                return new((LedgerRun?)null);
            }

            LedgerTurnRecord[] turns = [.. _turns.Values.Where(t => t.RunId == runId).OrderBy(t => t.Turn)];
            ToolCallLedgerEntry[] calls = [.. _calls.Values.Where(c => c.RunId == runId).OrderBy(c => c.Turn).ThenBy(c => c.Index).ThenBy(c => c.CallId, StringComparer.Ordinal)];
            return new(new LedgerRun(run, turns, calls));
        }
    }
}
