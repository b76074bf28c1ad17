namespace ToolFlow.Orleans.Tests.Perf;

/// <summary>The test classes that share one <see cref="ClusterBenchFixture"/> (one cluster: each costs seconds to start).</summary>
[CollectionDefinition(Name)]
public sealed class ClusterBenchCollection : ICollectionFixture<ClusterBenchFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "cluster bench";
}
