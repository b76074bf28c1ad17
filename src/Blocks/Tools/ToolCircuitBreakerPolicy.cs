namespace ToolFlow.Blocks;

/// <summary>A circuit breaker per tool: after too many failures the tool is not called for a while.</summary>
public sealed class ToolCircuitBreakerPolicy
{
    /// <summary>The failure ratio in the sampling window that opens the circuit. Default 0.5.</summary>
    public double FailureRatio
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 1.0);
            field = value;
        }
    } = 0.5;

    /// <summary>The fewest calls in the window before the ratio counts. Default 4.</summary>
    public int MinimumThroughput
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 2);
            field = value;
        }
    } = 4;

    /// <summary>The sampling window. Default 30 s.</summary>
    public TimeSpan SamplingDuration
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.FromMilliseconds(500));
            field = value;
        }
    } = TimeSpan.FromSeconds(30);

    /// <summary>How long the circuit stays open before a trial call. Default 5 s.</summary>
    public TimeSpan BreakDuration
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.FromMilliseconds(500));
            field = value;
        }
    } = TimeSpan.FromSeconds(5);
}
