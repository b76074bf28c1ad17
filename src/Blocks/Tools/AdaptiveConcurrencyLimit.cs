namespace ToolFlow.Blocks;

/// <summary>
/// A per-tool concurrency limit that finds its own width from what the tool's calls show: it grows while calls
/// succeed with the width in use and shrinks when a call is rate limited, times out, or takes far longer than the
/// tool's usual latency. Set it on <see cref="ToolDescriptor.AdaptiveConcurrency"/>; it is never told the service's
/// capacity.
/// </summary>
/// <remarks>
/// <para>
/// The rule is additive increase, multiplicative decrease (as TCP and Netflix's concurrency-limits): from
/// <see cref="InitialLimit"/> the limit doubles per round of successful calls (+1 per success) until the first drop,
/// then grows by about one per round (+1/limit per success). A success counts only when at least half the limit was in
/// use, so an idle tool does not grow. A drop multiplies the limit by <see cref="BackoffRatio"/>, once per round:
/// drops of calls admitted before the last decrease saw the old width and are not counted again.
/// </para>
/// <para>
/// A latency drop is an attempt that took more than <see cref="LatencyTolerance"/> times the tool's long-term mean
/// latency (an exponential mean over about <see cref="LatencyWindow"/> attempts): a sudden queue at the service, while a
/// slow drift with load is tolerated. Other failures say nothing about capacity and are ignored. Batched calls
/// (<see cref="ToolDescriptor.BatchInvoker"/>) take slots under the limit but do not move it.
/// </para>
/// <para>
/// An options instance may be shared by tools: each tool on each executor keeps its own limit. The limit is never below
/// <see cref="MinLimit"/> nor above <see cref="MaxLimit"/>, and never above the tool's static
/// <see cref="ToolDescriptor.MaxConcurrency"/> when that is set too.
/// </para>
/// </remarks>
public sealed class AdaptiveConcurrencyLimit
{
    /// <summary>The limit before any call has been seen. Default 4; between <see cref="MinLimit"/> and <see cref="MaxLimit"/>.</summary>
    public int InitialLimit
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            field = value;
        }
    } = 4;

    /// <summary>The least the limit falls to. Default 1.</summary>
    public int MinLimit
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            field = value;
        }
    } = 1;

    /// <summary>The most the limit grows to. Default 256.</summary>
    public int MaxLimit
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            field = value;
        }
    } = 256;

    /// <summary>What a drop multiplies the limit by: more than 0, less than 1. Default 0.75.</summary>
    public double BackoffRatio
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, 0);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(value, 1);
            field = value;
        }
    } = 0.75;

    /// <summary>How many times its long-term mean an attempt's latency may be before it counts as a drop; at least 1. Default 2.</summary>
    public double LatencyTolerance
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            field = value;
        }
    } = 2;

    /// <summary>About how many attempts the long-term mean latency spans; at least 1. Default 100.</summary>
    public int LatencyWindow
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            field = value;
        }
    } = 100;

    /// <summary>Checks that the bounds are in order.</summary>
    /// <exception cref="ArgumentException"><see cref="MinLimit"/> &gt; <see cref="MaxLimit"/>, or <see cref="InitialLimit"/> outside them.</exception>
    internal void Validate()
    {
        if (MinLimit > MaxLimit)
        {
            throw new ArgumentException($"The adaptive limit's MinLimit ({MinLimit}) is above its MaxLimit ({MaxLimit}).");
        }

        if (InitialLimit < MinLimit || InitialLimit > MaxLimit)
        {
            throw new ArgumentException($"The adaptive limit's InitialLimit ({InitialLimit}) is outside [{MinLimit}, {MaxLimit}].");
        }
    }
}
