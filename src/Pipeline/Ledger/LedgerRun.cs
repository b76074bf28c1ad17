namespace ToolFlow.Pipeline;

/// <summary>A run as the ledger holds it.</summary>
/// <param name="Run">The run's record.</param>
/// <param name="Turns">Its turns, by number.</param>
/// <param name="Calls">Its calls, by turn then index.</param>
public sealed record LedgerRun(
    LedgerRunRecord Run,
    IReadOnlyList<LedgerTurnRecord> Turns,
    IReadOnlyList<ToolCallLedgerEntry> Calls);
