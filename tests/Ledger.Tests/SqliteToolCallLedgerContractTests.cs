using ToolFlow.Ledger.Sqlite;
using ToolFlow.Pipeline;

namespace ToolFlow.Ledger.Tests;

/// <summary>The ledger contract on the SQLite store, in a file of a temp folder.</summary>
public sealed class SqliteToolCallLedgerContractTests : ToolCallLedgerContractTests
{
    private readonly TempFolder _folder = new();

    protected override async Task<IToolCallLedger> CreateAsync() => await SqliteToolCallLedger.OpenAsync(_folder.File("ledger.db"));

    protected override void Cleanup() => _folder.Dispose();
}
