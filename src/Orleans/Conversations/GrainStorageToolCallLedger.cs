using System.Globalization;
using System.Text.Json;
using ToolFlow.Pipeline;

namespace ToolFlow.Orleans;

/// <summary>
/// A conversation's <see cref="IToolCallLedger"/> kept in grain storage beside the conversation, so a run interrupted
/// by a lost node resumes from it on the silo that activates the conversation next. Reads are served from memory;
/// each batch is applied there and the whole ledger is written as one state (atomic, as the interface asks).
/// </summary>
/// <remarks>
/// A write costs the size of the conversation's ledger, not of the batch: fine for a conversation's runs, not for an
/// unbounded log. Batches come from the pipeline's recorder, one at a time.
/// </remarks>
internal sealed class GrainStorageToolCallLedger(GrainStateStore<LedgerRecord> store) : IToolCallLedger
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    private readonly InMemoryToolCallLedger _records = new();
    private volatile bool _detached;

    /// <summary>Loads the stored records.</summary>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        if (await store.ReadAsync(cancellationToken).ConfigureAwait(false) is { } stored)
        {
            await _records.WriteAsync(
                new ToolCallLedgerBatch(
                    [.. stored.Runs.Values.Select(j => Read<LedgerRunRecord>(j))],
                    [.. stored.Turns.Values.Select(j => Read<LedgerTurnRecord>(j))],
                    [.. stored.Calls.Values.Select(j => Read<ToolCallLedgerEntry>(j))]),
                cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Stops writing: the activation is going while a run is under way, and what that run does from now on (its calls
    /// cancelled by the shutdown) must not be recorded as their outcome; the next activation resumes from what is stored.
    /// </summary>
    public void Detach() => _detached = true;

    public async ValueTask WriteAsync(ToolCallLedgerBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (_detached)
        {
            return;
        }

        await store.WriteAsync(
            stored =>
            {
                LedgerRecord next = stored is null ? new() : new()
                {
                    Runs = new(stored.Runs, StringComparer.Ordinal),
                    Turns = new(stored.Turns, StringComparer.Ordinal),
                    Calls = new(stored.Calls, StringComparer.Ordinal),
                };
                foreach (LedgerRunRecord run in batch.Runs)
                {
                    next.Runs[run.RunId] = Write(run);
                }

                foreach (LedgerTurnRecord turn in batch.Turns)
                {
                    next.Turns[$"{turn.RunId}/{turn.Turn.ToString(CultureInfo.InvariantCulture)}"] = Write(turn);
                }

                foreach (ToolCallLedgerEntry call in batch.Calls)
                {
                    next.Calls[$"{call.RunId}/{call.CallId}"] = Write(call);
                }

                return next;
            },
            cancellationToken).ConfigureAwait(false);

        // In memory once stored, so what is read was written.
        await _records.WriteAsync(batch, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask<IReadOnlyList<LedgerRunRecord>> ListRunsAsync(CancellationToken cancellationToken) => _records.ListRunsAsync(cancellationToken);

    public ValueTask<LedgerRun?> ReadRunAsync(string runId, CancellationToken cancellationToken) => _records.ReadRunAsync(runId, cancellationToken);

    public Task ClearAsync(CancellationToken cancellationToken) => store.ClearAsync(cancellationToken);

    private static string Write<T>(T value) => JsonSerializer.Serialize(value, s_json);

    private static T Read<T>(string json) => JsonSerializer.Deserialize<T>(json, s_json) ?? throw new InvalidDataException("A stored ledger record is empty.");
}
