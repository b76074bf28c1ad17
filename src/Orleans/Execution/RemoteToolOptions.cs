namespace ToolFlow.Orleans;

/// <summary>How a <see cref="RemoteToolFunction"/> sends its calls.</summary>
public sealed class RemoteToolOptions
{
    /// <summary>The default of <see cref="MaxReruns"/>: 2.</summary>
    public const int DefaultMaxReruns = 2;

    /// <summary>
    /// How many times a call is run again on another silo after the silo running it was lost, when that is safe: its
    /// tool is read-only or idempotent, or honours idempotency keys (the re-run carries the same key). 0 for never.
    /// Default <see cref="DefaultMaxReruns"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative.</exception>
    public int MaxReruns
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            field = value;
        }
    } = DefaultMaxReruns;
}
