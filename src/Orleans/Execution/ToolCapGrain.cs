using Orleans.Concurrency;
using Orleans.Placement;

namespace ToolFlow.Orleans;

/// <summary>See <see cref="IToolCapGrain"/>.</summary>
/// <remarks>
/// Reentrant: an acquirer waits inside its call while releases come in; every change of state is synchronous
/// between awaits on the activation's one scheduler, so it needs no lock. The leases live in memory: while any is
/// lent the grain delays its deactivation; a cap grain whose own silo dies starts again with none. Placed on the silo
/// that first asks for a lease (no extra hop for a tool whose calls mostly run on one silo).
/// </remarks>
[Reentrant]
[PreferLocalPlacement]
internal sealed class ToolCapGrain(IClusterMembershipService membership, ILocalSiloDetails silo) : Grain, IToolCapGrain
{
    private readonly Dictionary<string, SiloAddress> _leases = new(StringComparer.Ordinal);
    private readonly LinkedList<Waiter> _waiters = new();
    private readonly CancellationTokenSource _stop = new();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Watches membership for the life of the activation: a dead holder's leases come back without its release.
        _ = WatchMembershipAsync(_stop.Token);
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await _stop.CancelAsync().ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext);
        _stop.Dispose();
    }

    public Task AcquireAsync(string lease, SiloAddress holder, int limit, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(lease);
        ArgumentNullException.ThrowIfNull(holder);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        if (_leases.ContainsKey(lease))
        {
            return Task.CompletedTask;
        }

        FreeDeadHolders(membership.CurrentSnapshot);
        Pump();
        if (_waiters.Count == 0 && _leases.Count < limit)
        {
            Lend(lease, holder);
            return Task.CompletedTask;
        }

        var waiter = new Waiter(lease, holder, limit);
        _waiters.AddLast(waiter);
        // The token fires off the activation's scheduler: the callback only completes the waiter (thread-safe), and
        // Pump, on the scheduler, drops it from the queue.
        waiter.Cancellation = cancellationToken.Register(static w => ((Waiter)w!).Granted.TrySetCanceled(), waiter);
        return waiter.Granted.Task;
    }

    public Task ReleaseAsync(string lease)
    {
        if (_leases.Remove(lease))
        {
            Pump();
        }

        return Task.CompletedTask;
    }

    public Task<ToolCapSnapshot> SnapshotAsync() =>
        Task.FromResult(new ToolCapSnapshot(
            silo.SiloAddress,
            new Dictionary<string, SiloAddress>(_leases, StringComparer.Ordinal),
            [.. _waiters.Where(w => !w.Granted.Task.IsCompleted).Select(w => w.Holder)]));

    private void Lend(string lease, SiloAddress holder)
    {
        _leases[lease] = holder;
        // Leases live only in this activation: it must not be collected while it lends any.
        DelayDeactivation(TimeSpan.FromDays(1));
    }

    // Lends to waiters in arrival order while the first of them fits its limit (first come, first served), dropping
    // the ones cancelled meanwhile and the ones whose silo died while they waited.
    private void Pump()
    {
        ClusterMembershipSnapshot snapshot = membership.CurrentSnapshot;
        while (_waiters.First is { } first && (first.Value.Granted.Task.IsCompleted || _leases.Count < first.Value.Limit))
        {
            _waiters.RemoveFirst();
            first.Value.Cancellation.Dispose();
            if (snapshot.GetSiloStatus(first.Value.Holder) == SiloStatus.Dead)
            {
                first.Value.Granted.TrySetCanceled();
            }
            else if (first.Value.Granted.TrySetResult())
            {
                Lend(first.Value.Lease, first.Value.Holder);
            }
        }
    }

    private void FreeDeadHolders(ClusterMembershipSnapshot snapshot)
    {
        string[] dead = [.. _leases.Where(p => snapshot.GetSiloStatus(p.Value) == SiloStatus.Dead).Select(p => p.Key)];
        foreach (string lease in dead)
        {
            _leases.Remove(lease);
        }

        if (dead.Length > 0)
        {
            Pump();
        }
    }

    private async Task WatchMembershipAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (ClusterMembershipSnapshot snapshot in membership.MembershipUpdates.WithCancellation(cancellationToken))
            {
                FreeDeadHolders(snapshot);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Deactivated.
        }
    }

    private sealed class Waiter(string lease, SiloAddress holder, int limit)
    {
        public string Lease { get; } = lease;

        public SiloAddress Holder { get; } = holder;

        public int Limit { get; } = limit;

        public TaskCompletionSource Granted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public CancellationTokenRegistration Cancellation { get; set; }
    }
}
