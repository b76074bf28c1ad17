namespace ToolFlow.Blocks;

/// <summary>
/// Retries with exponential backoff and jitter, applied only to read-only and idempotent tools (a side-effecting call
/// is never run twice).
/// </summary>
public sealed class ToolRetryPolicy
{
    /// <summary>The most retries after the first attempt. Default 3.</summary>
    public int MaxRetryAttempts
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            field = value;
        }
    } = 3;

    /// <summary>The delay before the first retry; later ones double it. Default 200 ms.</summary>
    public TimeSpan BaseDelay
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            field = value;
        }
    } = TimeSpan.FromMilliseconds(200);

    /// <summary>Whether delays are jittered, so retries from many calls do not arrive together. Default true.</summary>
    public bool UseJitter { get; init; } = true;
}
