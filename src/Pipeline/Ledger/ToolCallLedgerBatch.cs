namespace ToolFlow.Pipeline;

/// <summary>Records written together, atomically (see <see cref="IToolCallLedger.WriteAsync"/>).</summary>
/// <param name="Runs">Run records to insert or replace.</param>
/// <param name="Turns">Turn records to insert or replace.</param>
/// <param name="Calls">Call entries to insert or replace.</param>
public sealed record ToolCallLedgerBatch(
    IReadOnlyList<LedgerRunRecord> Runs,
    IReadOnlyList<LedgerTurnRecord> Turns,
    IReadOnlyList<ToolCallLedgerEntry> Calls);
