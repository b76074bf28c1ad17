namespace ToolFlow.Orleans.Tests.Cluster;

/// <summary>
/// The tests that start processes of their own (redis-server, nodes, the launcher) run one at a time: a few node
/// processes at once already load two cores, and a node starved past its membership timeouts is no test of faults.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ProcessClusterCollection
{
    public const string Name = "Process clusters";
}
