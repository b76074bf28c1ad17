using System.Globalization;

namespace ToolFlow.Profiling;

/// <summary>
/// How wide the harness lets an overloadable scenario tool run: a static cap (<see cref="ToolFlow.Blocks.ToolDescriptor.MaxConcurrency"/>)
/// or the adaptive limit (<see cref="ToolFlow.Blocks.AdaptiveConcurrencyLimit"/> with its defaults). Written <c>4</c> or <c>adaptive</c>.
/// </summary>
public sealed record ConcurrencyWidth
{
    private ConcurrencyWidth(int? cap) => Cap = cap;

    /// <summary>The adaptive limit, with its defaults: it is not told the capacity.</summary>
    public static ConcurrencyWidth Adaptive { get; } = new((int?)null);

    /// <summary>The static cap, or <see langword="null"/> for <see cref="Adaptive"/>.</summary>
    public int? Cap { get; }

    /// <summary>A static cap.</summary>
    /// <param name="cap">At least 1.</param>
    /// <returns>The width.</returns>
    public static ConcurrencyWidth Static(int cap)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cap, 1);
        return new(cap);
    }

    /// <summary>Reads <c>adaptive</c> or a whole number from 1.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The width.</returns>
    /// <exception cref="ArgumentException">The text is neither.</exception>
    public static ConcurrencyWidth Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string trimmed = text.Trim();
        if (string.Equals(trimmed, "adaptive", StringComparison.OrdinalIgnoreCase))
        {
            return Adaptive;
        }

        return int.TryParse(trimmed, NumberStyles.None, CultureInfo.InvariantCulture, out int cap) && cap >= 1
            ? new(cap)
            : throw new ArgumentException($"a width is a whole number from 1 or 'adaptive' (got '{text}').", nameof(text));
    }

    /// <inheritdoc/>
    public override string ToString() => Cap is { } cap ? cap.ToString(CultureInfo.InvariantCulture) : "adaptive";
}
