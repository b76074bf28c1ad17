namespace ToolFlow.ClusterBench;

/// <summary>How the silos of a <see cref="ClusterRig"/> talk to each other.</summary>
public enum ClusterTransport
{
    /// <summary>
    /// Real TCP connections on 127.0.0.1 (development clustering, the first silo primary): every remote call crosses the
    /// kernel's loopback as it would a network. The bench's default.
    /// </summary>
    Tcp,

    /// <summary>
    /// Orleans' TestingHost in-process cluster: messages are serialized and framed, then handed over in memory. Quick to
    /// start, so the tests use it; no sockets.
    /// </summary>
    Memory,
}
