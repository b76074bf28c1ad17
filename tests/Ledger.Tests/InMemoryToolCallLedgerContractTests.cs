using ToolFlow.Pipeline;

namespace ToolFlow.Ledger.Tests;

/// <summary>The ledger contract on the in-memory store.</summary>
public sealed class InMemoryToolCallLedgerContractTests : ToolCallLedgerContractTests
{
    protected override Task<IToolCallLedger> CreateAsync() => Task.FromResult<IToolCallLedger>(new InMemoryToolCallLedger());
}
