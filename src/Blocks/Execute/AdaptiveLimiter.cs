namespace ToolFlow.Blocks;

/// <summary>
/// The arithmetic of one tool's <see cref="AdaptiveConcurrencyLimit"/> on one executor (see its remarks for the rule).
/// </summary>
/// <remarks>Every member is guarded by the executor's lock; it reads no clock, it is given each attempt's latency.</remarks>
internal sealed class AdaptiveLimiter(AdaptiveConcurrencyLimit options, int ceiling)
{
    // Near the width of the last drop, growth is this many times slower: the service said no there, so it is probed
    // again less often (as CUBIC's plateau), and each probe costs the pause a rate limit brings.
    internal const int NearDropSlowdown = 4;

    private readonly int _max = Math.Min(options.MaxLimit, ceiling);
    private double _limit = Math.Min(options.InitialLimit, Math.Min(options.MaxLimit, ceiling));
    private bool _slowStart = true;
    private double _dropLimit;
    private double _meanMs;
    private long _samples;

    // Admissions of this tool so far, and the admission count at the last decrease: a drop of a call admitted before it
    // saw the width already given up and does not count again.
    private long _admissions;
    private long _decreasedAt;

    /// <summary>The whole limit in force.</summary>
    public int Limit => Math.Max(options.MinLimit, Math.Min(_max, (int)_limit));

    /// <summary>A call of the tool takes a slot; returns its admission number.</summary>
    public long Admit() => ++_admissions;

    /// <summary>An attempt ended. Returns the reason if the whole limit changed, else <see langword="null"/>.</summary>
    /// <param name="admission">The admission number of the call's slot.</param>
    /// <param name="latency">How long the attempt ran.</param>
    /// <param name="signal">A drop's reason, or <see cref="ToolConcurrencyLimitReason.Succeeded"/> for a success.</param>
    /// <param name="inUse">The tool's running bodies, this one included.</param>
    public ToolConcurrencyLimitReason? OnSample(long admission, TimeSpan latency, ToolConcurrencyLimitReason signal, int inUse)
    {
        int before = Limit;
        double ms = latency.TotalMilliseconds;
        if (signal == ToolConcurrencyLimitReason.Succeeded)
        {
            if (_samples > 0 && ms > options.LatencyTolerance * _meanMs)
            {
                signal = ToolConcurrencyLimitReason.LatencyRose;
            }

            // The mean learns from successes only: a rejection's latency says nothing of the service's.
            _samples++;
            _meanMs += (ms - _meanMs) / Math.Min(_samples, options.LatencyWindow);
        }

        if (signal == ToolConcurrencyLimitReason.Succeeded)
        {
            if (inUse * 2 >= before)
            {
                double step = _slowStart ? 1 : _limit + 1 >= _dropLimit ? 1 / (_limit * NearDropSlowdown) : 1 / _limit;
                _limit = Math.Min(_max, _limit + step);
            }
        }
        else if (admission > _decreasedAt)
        {
            _slowStart = false;
            _dropLimit = _limit;
            _decreasedAt = _admissions;
            _limit = Math.Max(options.MinLimit, _limit * options.BackoffRatio);
        }

        return Limit != before ? signal : null;
    }
}
