namespace ToolFlow.Profiling;

/// <summary>
/// The load on one overloadable scenario tool during one run, shared by every conversation and strategy pipeline of
/// that run (the service is one): its bodies running, and what the harness reports of it.
/// </summary>
internal sealed class ScenarioLoad(ScenarioOverload overload, TimeProvider clock)
{
    private readonly Lock _lock = new();
    private readonly HashSet<string> _called = new(StringComparer.Ordinal);
    private readonly HashSet<string> _served = new(StringComparer.Ordinal);
    private int _running;
    private long _first;
    private long _last;
    private double _bodyMs;

    public ScenarioOverload Overload { get; } = overload;

    /// <summary>Attempts turned away above the capacity.</summary>
    public int Rejections { get; private set; }

    /// <summary>Attempts after a call's first.</summary>
    public int Retries { get; private set; }

    /// <summary>Calls that were served at last.</summary>
    public int Served
    {
        get
        {
            lock (_lock)
            {
                return _served.Count;
            }
        }
    }

    /// <summary>The calls made.</summary>
    public int Calls
    {
        get
        {
            lock (_lock)
            {
                return _called.Count;
            }
        }
    }

    /// <summary>The mean number of bodies the service ran, over the time from its first attempt to its last body's end.</summary>
    public double MeanWidth
    {
        get
        {
            lock (_lock)
            {
                double span = clock.GetElapsedTime(_first, _last).TotalMilliseconds;
                return span > 0 ? _bodyMs / span : 0;
            }
        }
    }

    /// <summary>An attempt arrives: the slowdown it runs under, or <see langword="null"/> if it is turned away.</summary>
    public double? Arrive(string callId)
    {
        lock (_lock)
        {
            long now = clock.GetTimestamp();
            if (_called.Count == 0)
            {
                _first = _last = now;
            }

            if (!_called.Add(callId))
            {
                Retries++;
            }

            if (_running + 1 > Overload.Capacity)
            {
                Rejections++;
                return null;
            }

            Advance(now);
            _running++;
            return 1 + (Overload.Growth * (_running - 1));
        }
    }

    /// <summary>An admitted attempt's body returned.</summary>
    public void Leave(string callId, bool served)
    {
        lock (_lock)
        {
            Advance(clock.GetTimestamp());
            _running--;
            if (served)
            {
                _served.Add(callId);
            }
        }
    }

    private void Advance(long now)
    {
        _bodyMs += _running * clock.GetElapsedTime(_last, now).TotalMilliseconds;
        _last = now;
    }
}
