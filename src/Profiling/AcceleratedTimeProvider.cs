namespace ToolFlow.Profiling;

/// <summary>
/// A clock that runs <see cref="Factor"/> times faster than another: delays and timers shrink by the factor, and
/// elapsed time grows by it. Runs a scenario in a fraction of its real duration, for warm-up or a quick preview.
/// </summary>
public sealed class AcceleratedTimeProvider : TimeProvider
{
    private readonly TimeProvider _inner;
    private readonly long _startTimestamp;
    private readonly DateTimeOffset _startTime;

    /// <summary>Initializes the clock.</summary>
    /// <param name="inner">The real clock.</param>
    /// <param name="factor">How many times faster; at least 1.</param>
    public AcceleratedTimeProvider(TimeProvider inner, double factor)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentOutOfRangeException.ThrowIfLessThan(factor, 1);
        _inner = inner;
        Factor = factor;
        _startTimestamp = inner.GetTimestamp();
        _startTime = inner.GetUtcNow();
    }

    /// <summary>How many times faster than the inner clock this one runs.</summary>
    public double Factor { get; }

    /// <inheritdoc/>
    public override long TimestampFrequency => _inner.TimestampFrequency;

    /// <inheritdoc/>
    public override long GetTimestamp() => _startTimestamp + (long)((_inner.GetTimestamp() - _startTimestamp) * Factor);

    /// <inheritdoc/>
    public override DateTimeOffset GetUtcNow() => _startTime + (_inner.GetElapsedTime(_startTimestamp) * Factor);

    /// <inheritdoc/>
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        new ScaledTimer(_inner.CreateTimer(callback, state, Scale(dueTime), Scale(period)), this);

    private TimeSpan Scale(TimeSpan span) => span == Timeout.InfiniteTimeSpan ? span : span / Factor;

    // A timer re-armed with Change runs on this clock's time too, not the inner one's.
    private sealed class ScaledTimer(ITimer inner, AcceleratedTimeProvider clock) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => inner.Change(clock.Scale(dueTime), clock.Scale(period));

        public void Dispose() => inner.Dispose();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
