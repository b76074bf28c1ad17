namespace ToolFlow.Orleans.Tests;

/// <summary>The collection sharing one <see cref="WorkerCluster"/>.</summary>
[CollectionDefinition(Name)]
public sealed class WorkerClusterCollection : ICollectionFixture<WorkerCluster>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "worker cluster";
}
