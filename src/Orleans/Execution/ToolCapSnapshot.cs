namespace ToolFlow.Orleans;

/// <summary>What an <see cref="IToolCapGrain"/> holds.</summary>
/// <param name="Silo">The silo the cap grain runs on.</param>
/// <param name="Leases">The holder of each lease lent, by lease.</param>
/// <param name="Waiting">The silo of each acquirer waiting for a lease, in arrival order.</param>
[GenerateSerializer]
[Immutable]
internal sealed record ToolCapSnapshot(
    [property: Id(0)] SiloAddress Silo,
    [property: Id(1)] IReadOnlyDictionary<string, SiloAddress> Leases,
    [property: Id(2)] IReadOnlyList<SiloAddress> Waiting);
