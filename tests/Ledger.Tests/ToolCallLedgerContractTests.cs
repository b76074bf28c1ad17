using ToolFlow.Pipeline;
using static ToolFlow.Ledger.Tests.LedgerSamples;

namespace ToolFlow.Ledger.Tests;

/// <summary>What every <see cref="IToolCallLedger"/> must do; each store runs these through a derived class.</summary>
public abstract class ToolCallLedgerContractTests : IAsyncLifetime
{
    private IToolCallLedger? _ledger;

    protected IToolCallLedger Ledger => _ledger ?? throw new InvalidOperationException("Not initialized.");

    public async Task InitializeAsync() => _ledger = await CreateAsync();

    public async Task DisposeAsync()
    {
        if (_ledger is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }

        Cleanup();
    }

    protected abstract Task<IToolCallLedger> CreateAsync();

    protected virtual void Cleanup()
    {
    }

    [Fact]
    public async Task ReadRunAsync_EveryFieldWritten_ReadsBackFieldForField()
    {
        LedgerRunRecord run = Run("run-1") with { EndedAt = At(5000.00005), Completion = "Answered", Resumes = 2 };
        LedgerRun written = new(
            run,
            [Turn("run-1", 1), Turn("run-1", 2, complete: false)],
            [FullCall("run-1", "call-a"), BareCall("run-1", "call-b", index: 1)]);

        await Ledger.WriteAsync(Batch([run], written.Turns, written.Calls), default);

        Assert.Equal(Show(written), Show(await Ledger.ReadRunAsync("run-1", default)));
    }

    [Fact]
    public async Task WriteAsync_SameKeysAgain_ReplacesRecords()
    {
        await Ledger.WriteAsync(Batch([Run("run-1")], [Turn("run-1", 1, complete: false)], [FullCall("run-1", "call-a")]), default);
        LedgerRunRecord ended = Run("run-1") with { EndedAt = At(9000), Completion = "Answered" };
        ToolCallLedgerEntry retried = FullCall("run-1", "call-a") with { Attempts = [new(1, At(100))], Outcome = ToolCallLedgerOutcome.Pending, FailureKind = null, PermissionAtResult = null };

        await Ledger.WriteAsync(Batch([ended], [Turn("run-1", 1)], [retried]), default);

        Assert.Equal(Show(new LedgerRun(ended, [Turn("run-1", 1)], [retried])), Show(await Ledger.ReadRunAsync("run-1", default)));
    }

    [Fact]
    public async Task ReadRunAsync_CallsWrittenOutOfOrder_ByTurnThenIndex()
    {
        ToolCallLedgerEntry[] calls = [BareCall("r", "z", turn: 2, index: 0), BareCall("r", "y", turn: 1, index: 1), BareCall("r", "x", turn: 1, index: 0), BareCall("r", "w", turn: 2, index: 1)];

        await Ledger.WriteAsync(Batch([Run("r")], [Turn("r", 2), Turn("r", 1)], calls), default);

        LedgerRun? read = await Ledger.ReadRunAsync("r", default);
        Assert.NotNull(read);
        Assert.Equal(["x", "y", "z", "w"], read.Calls.Select(c => c.CallId));
        Assert.Equal([1, 2], read.Turns.Select(t => t.Turn));
    }

    [Fact]
    public async Task ReadRunAsync_OtherRunsInLedger_OnlyThisRunsRecords()
    {
        await Ledger.WriteAsync(Batch([Run("a"), Run("b")], [Turn("a", 1), Turn("b", 1)], [BareCall("a", "same-id"), FullCall("b", "same-id")]), default);

        LedgerRun? a = await Ledger.ReadRunAsync("a", default);

        Assert.Equal(Show(new LedgerRun(Run("a"), [Turn("a", 1)], [BareCall("a", "same-id")])), Show(a));
    }

    [Fact]
    public async Task ReadRunAsync_UnknownRun_ReturnsNull()
    {
        await Ledger.WriteAsync(Batch([Run("a")]), default);

        Assert.Null(await Ledger.ReadRunAsync("b", default));
    }

    [Fact]
    public async Task ReadRunAsync_CallsButNoRunRecord_ReturnsNull()
    {
        await Ledger.WriteAsync(Batch(turns: [Turn("orphan", 1)], calls: [BareCall("orphan", "c")]), default);

        Assert.Null(await Ledger.ReadRunAsync("orphan", default));
        Assert.Empty(await Ledger.ListRunsAsync(default));
    }

    [Fact]
    public async Task ListRunsAsync_SeveralRuns_MostRecentFirstThenById()
    {
        await Ledger.WriteAsync(Batch([Run("old", 0), Run("new-b", 2000), Run("mid", 1000.0001)]), default);
        await Ledger.WriteAsync(Batch([Run("new-a", 2000)]), default);

        IReadOnlyList<LedgerRunRecord> runs = await Ledger.ListRunsAsync(default);

        Assert.Equal(["new-a", "new-b", "mid", "old"], runs.Select(r => r.RunId));
        Assert.Equal(Show([Run("new-a", 2000), Run("new-b", 2000), Run("mid", 1000.0001), Run("old", 0)]), Show(runs));
    }

    [Fact]
    public async Task ListRunsAsync_EmptyLedger_Empty()
    {
        Assert.Empty(await Ledger.ListRunsAsync(default));
    }

    [Fact]
    public async Task WriteAsync_EmptyBatch_ChangesNothing()
    {
        await Ledger.WriteAsync(Batch([Run("a")]), default);

        await Ledger.WriteAsync(Batch(), default);

        Assert.Equal(Show(new LedgerRun(Run("a"), [], [])), Show(await Ledger.ReadRunAsync("a", default)));
    }

    [Fact]
    public async Task WriteAsync_CancelledToken_ThrowsAndWritesNothing()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await Ledger.WriteAsync(Batch([Run("a")]), cancelled.Token));

        Assert.Empty(await Ledger.ListRunsAsync(default));
    }

    [Fact]
    public async Task WriteAsync_NullBatch_Throws()
    {
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await Ledger.WriteAsync(null!, default));
    }

    [Fact]
    public async Task WriteAsync_ManyCallsInOneBatch_AllReadBack()
    {
        ToolCallLedgerEntry[] calls = [.. Enumerable.Range(0, 500).Select(i => FullCall("big", $"call-{i:D3}", turn: 1 + (i / 100), index: i % 100))];

        await Ledger.WriteAsync(Batch([Run("big")], [], calls), default);

        Assert.Equal(Show(new LedgerRun(Run("big"), [], calls)), Show(await Ledger.ReadRunAsync("big", default)));
    }
}
