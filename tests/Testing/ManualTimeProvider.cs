namespace ToolFlow.Testing;

/// <summary>
/// A clock that moves only when told. Timers fire synchronously inside <see cref="Advance"/>, in due order, with the
/// clock set to each timer's due time as it fires, so every timestamp a test sees is exact.
/// </summary>
public sealed class ManualTimeProvider : TimeProvider
{
    // Lock scheme: _lock guards _elapsed and _timers. Callbacks run outside it.
    private readonly object _lock = new();
    private readonly List<ManualTimer> _timers = [];
    private readonly DateTimeOffset _epoch;
    private TimeSpan _elapsed;
    private long _nextTimerId;

    /// <summary>Initializes the clock at <paramref name="epoch"/> (default 2026-01-01T00:00Z).</summary>
    /// <param name="epoch">The start time.</param>
    public ManualTimeProvider(DateTimeOffset? epoch = null)
    {
        _epoch = epoch ?? new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    }

    /// <summary>The time since the clock started.</summary>
    public TimeSpan Elapsed
    {
        get
        {
            lock (_lock)
            {
                return _elapsed;
            }
        }
    }

    /// <summary>The start time.</summary>
    public DateTimeOffset Epoch => _epoch;

    /// <summary>The number of timers waiting to fire.</summary>
    public int PendingTimers
    {
        get
        {
            lock (_lock)
            {
                return _timers.Count;
            }
        }
    }

    /// <inheritdoc/>
    public override DateTimeOffset GetUtcNow() => _epoch + Elapsed;

    /// <inheritdoc/>
    public override long GetTimestamp() => Elapsed.Ticks;

    /// <inheritdoc/>
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    /// <inheritdoc/>
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Moves the clock forward, firing every timer that falls due on the way.</summary>
    /// <param name="by">How far; not negative.</param>
    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        TimeSpan target = Elapsed + by;
        while (TryFireNext(target))
        {
        }

        lock (_lock)
        {
            _elapsed = target;
        }
    }

    /// <summary>Moves the clock to the next timer's due time and fires every timer due then.</summary>
    /// <returns><see langword="false"/> when no timer is waiting.</returns>
    public bool AdvanceToNextTimer()
    {
        TimeSpan due;
        lock (_lock)
        {
            if (_timers.Count == 0)
            {
                return false;
            }

            due = _timers.Min(t => t.Due);
        }

        while (TryFireNext(due))
        {
        }

        return true;
    }

    private bool TryFireNext(TimeSpan limit)
    {
        ManualTimer? next = null;
        lock (_lock)
        {
            foreach (ManualTimer t in _timers)
            {
                if (t.Due <= limit && (next is null || t.Due < next.Due || (t.Due == next.Due && t.Id < next.Id)))
                {
                    next = t;
                }
            }

            if (next is null)
            {
                return false;
            }

            if (next.Due > _elapsed)
            {
                _elapsed = next.Due;
            }

            _timers.Remove(next);
            if (next.Period > TimeSpan.Zero)
            {
                next.Due = _elapsed + next.Period;
                next.Id = ++_nextTimerId;
                _timers.Add(next);
            }
        }

        next.Fire();
        return true;
    }

    private sealed class ManualTimer(ManualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        public TimeSpan Due { get; set; }

        public TimeSpan Period { get; private set; }

        public long Id { get; set; }

        public void Fire() => callback(state);

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (owner._lock)
            {
                owner._timers.Remove(this);
                if (dueTime == Timeout.InfiniteTimeSpan)
                {
                    return true;
                }

                Due = owner._elapsed + dueTime;
                Period = period == Timeout.InfiniteTimeSpan ? TimeSpan.Zero : period;
                Id = ++owner._nextTimerId;
                owner._timers.Add(this);
                return true;
            }
        }

        public void Dispose()
        {
            lock (owner._lock)
            {
                owner._timers.Remove(this);
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
