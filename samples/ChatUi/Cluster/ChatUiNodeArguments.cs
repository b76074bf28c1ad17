namespace ToolFlow.Samples.ChatUi;

/// <summary>
/// How a node joins a cluster (<c>--node --redis HOST:PORT --silo-port N --gateway-port N [--cluster-id ID] [--roles front,worker]</c>):
/// its silo's clustering and grain storage are on the Redis server, and it listens on 127.0.0.1 only.
/// </summary>
/// <param name="Redis">The Redis server, <c>host:port</c>.</param>
/// <param name="ClusterId">The cluster's id; nodes with the same id and Redis server form one cluster.</param>
/// <param name="SiloPort">The port silos talk to each other on.</param>
/// <param name="GatewayPort">The port Orleans clients connect to.</param>
/// <param name="Roles">What the node does.</param>
public sealed record ChatUiNodeArguments(string Redis, string ClusterId, int SiloPort, int GatewayPort, ChatUiNodeRoles Roles)
{
    /// <summary>The cluster id when none is given.</summary>
    public const string DefaultClusterId = "toolflow";

    /// <summary>The service id every node uses (grain storage is keyed by it).</summary>
    public const string ServiceId = "toolflow";

    /// <summary>
    /// Whether the node stops when its standard input closes (<c>--attached</c>): the launcher's nodes do, so none
    /// outlives a launcher that was killed.
    /// </summary>
    public bool Attached { get; init; }

    /// <summary>The line a node prints on its standard output once its silo is an active member (and its HTTP listens).</summary>
    public const string ReadyLine = "toolflow-node ready";
}
