namespace ToolFlow.Orleans;

/// <summary>A conversation's ledger as its grain stores it: each record as JSON under its key (run; run and turn; run and call).</summary>
[GenerateSerializer]
internal sealed class LedgerRecord
{
    [Id(0)]
    public Dictionary<string, string> Runs { get; set; } = new(StringComparer.Ordinal);

    [Id(1)]
    public Dictionary<string, string> Turns { get; set; } = new(StringComparer.Ordinal);

    [Id(2)]
    public Dictionary<string, string> Calls { get; set; } = new(StringComparer.Ordinal);
}
