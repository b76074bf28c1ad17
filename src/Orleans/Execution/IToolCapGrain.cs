namespace ToolFlow.Orleans;

/// <summary>
/// The cluster-wide cap of one tool (the grain's key is the tool's name): it lends slots to the worker silos as
/// leases, one per running body, and takes back the leases of a silo membership declares dead.
/// </summary>
internal interface IToolCapGrain : IGrainWithStringKey
{
    /// <summary>
    /// Waits until fewer than <paramref name="limit"/> leases are held, then lends <paramref name="lease"/> to
    /// <paramref name="holder"/>; the wait is bounded by the call's deadline, as the body it stands before.
    /// </summary>
    [ResponseTimeout(IToolCallGrain.MaxCallDuration)]
    Task AcquireAsync(string lease, SiloAddress holder, int limit, CancellationToken cancellationToken);

    /// <summary>Gives a lease back; a lease not held (never lent, or already taken back) is ignored.</summary>
    Task ReleaseAsync(string lease);

    /// <summary>The silo this grain runs on and the holder of each lease it has lent: for tests and diagnostics.</summary>
    Task<ToolCapSnapshot> SnapshotAsync();
}
