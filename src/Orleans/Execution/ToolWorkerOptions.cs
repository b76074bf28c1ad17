namespace ToolFlow.Orleans;

/// <summary>
/// What a worker silo allows its tools: how many bodies of each may run at once on this silo, and for a tool that
/// needs it (a shared rate limit, a licence count), across the whole cluster.
/// </summary>
/// <remarks>
/// Caps count bodies: a call waits for a slot on the worker before its body starts, and the wait counts against the
/// call's own deadline. These caps add to the pipeline's own (<see cref="ToolFlow.Blocks.ToolDescriptor.MaxConcurrency"/>),
/// which hold per conversation executor on the calling side.
/// </remarks>
public sealed class ToolWorkerOptions
{
    /// <summary>No limit: -1.</summary>
    public const int Unbounded = -1;

    private readonly Dictionary<string, int> _perNode = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _perCluster = new(StringComparer.Ordinal);

    /// <summary>
    /// The most bodies of one tool running at once on this silo, for a tool with no limit of its own
    /// (<see cref="LimitConcurrency"/>); <see cref="Unbounded"/> (the default) for none.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Neither positive nor <see cref="Unbounded"/>.</exception>
    public int DefaultMaxConcurrency { get; set => field = ValidCap(value); } = Unbounded;

    /// <summary>
    /// The clock that times a call's deadline (<see cref="RemoteToolRequest.Timeout"/>) on this silo;
    /// <see cref="TimeProvider.System"/> by default.
    /// </summary>
    public TimeProvider TimeProvider { get; set => field = value ?? throw new ArgumentNullException(nameof(value)); } = TimeProvider.System;

    /// <summary>The tools with a limit on this silo of their own, and their limits.</summary>
    public IReadOnlyDictionary<string, int> ToolMaxConcurrency => _perNode;

    /// <summary>The tools with a cluster-wide limit, and their limits.</summary>
    public IReadOnlyDictionary<string, int> ClusterMaxConcurrency => _perCluster;

    /// <summary>Limits how many bodies of <paramref name="tool"/> run at once on this silo.</summary>
    /// <param name="tool">A tool this silo hosts.</param>
    /// <param name="maxConcurrency">Positive, or <see cref="Unbounded"/>.</param>
    /// <returns>These options.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxConcurrency"/> is neither positive nor <see cref="Unbounded"/>.</exception>
    public ToolWorkerOptions LimitConcurrency(string tool, int maxConcurrency)
    {
        ArgumentException.ThrowIfNullOrEmpty(tool);
        _perNode[tool] = ValidCap(maxConcurrency);
        return this;
    }

    /// <summary>
    /// Limits how many bodies of <paramref name="tool"/> run at once across the cluster, counted by one grain per tool
    /// that lends slots to the silos (leases). Every silo hosting the tool must set the same limit.
    /// </summary>
    /// <param name="tool">A tool this silo hosts.</param>
    /// <param name="maxConcurrency">Positive.</param>
    /// <returns>These options.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxConcurrency"/> is not positive.</exception>
    public ToolWorkerOptions LimitClusterConcurrency(string tool, int maxConcurrency)
    {
        ArgumentException.ThrowIfNullOrEmpty(tool);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxConcurrency);
        _perCluster[tool] = maxConcurrency;
        return this;
    }

    /// <summary>The limit on this silo for <paramref name="tool"/>: its own, else <see cref="DefaultMaxConcurrency"/>.</summary>
    /// <param name="tool">The tool's name.</param>
    /// <returns>Positive, or <see cref="Unbounded"/>.</returns>
    public int MaxConcurrencyOf(string tool) => _perNode.TryGetValue(tool, out int cap) ? cap : DefaultMaxConcurrency;

    private static int ValidCap(int value, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(value))] string? paramName = null)
    {
        if (value is not Unbounded and < 1)
        {
            throw new ArgumentOutOfRangeException(paramName, value, "A limit is positive, or -1 (Unbounded) for none.");
        }

        return value;
    }
}
