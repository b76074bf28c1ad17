namespace ToolFlow.Blocks;

/// <summary>
/// What a <see cref="ToolExecutor"/> keeps per tool beyond its running count: the adaptive limit, if the tool has one,
/// and the pause a rate limit set, with the timer that ends it.
/// </summary>
/// <remarks>Every member is guarded by the executor's lock.</remarks>
internal sealed class ToolThrottle(AdaptiveLimiter? limiter)
{
    public AdaptiveLimiter? Limiter { get; } = limiter;

    /// <summary>Until when no call of the tool starts; <see langword="null"/> when it is not paused.</summary>
    public DateTimeOffset? PausedUntil { get; set; }

    /// <summary>The timer that lifts the pause.</summary>
    public ITimer? Resume { get; set; }
}
