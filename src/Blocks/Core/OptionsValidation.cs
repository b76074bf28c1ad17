using System.Runtime.CompilerServices;
using System.Threading.Tasks.Dataflow;

namespace ToolFlow.Blocks;

/// <summary>
/// The checks every options setter shares, written once. Each returns the value it checked, so a setter reads
/// <c>set => field = OptionsValidation.CapOrUnbounded(value);</c>.
/// </summary>
internal static class OptionsValidation
{
    /// <summary>A cap: at least 1, or <see cref="DataflowBlockOptions.Unbounded"/> (-1) for no limit.</summary>
    public static int CapOrUnbounded(int value, [CallerArgumentExpression(nameof(value))] string? paramName = null)
    {
        if (value is not DataflowBlockOptions.Unbounded)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, paramName);
        }

        return value;
    }

    /// <summary>A span a timer can wait: from zero to <see cref="int.MaxValue"/> milliseconds.</summary>
    public static TimeSpan TimerSpan(TimeSpan value, [CallerArgumentExpression(nameof(value))] string? paramName = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero, paramName);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(value, TimeSpan.FromMilliseconds(int.MaxValue), paramName);
        return value;
    }

    /// <summary>A time limit: longer than zero, or <see langword="null"/> for none.</summary>
    public static TimeSpan? PositiveOrNone(TimeSpan? value, [CallerArgumentExpression(nameof(value))] string? paramName = null)
    {
        if (value is { } span)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(span, TimeSpan.Zero, paramName);
        }

        return value;
    }

    /// <summary>A reference that must be set.</summary>
    public static T NotNull<T>(T value, [CallerArgumentExpression(nameof(value))] string? paramName = null)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(value, paramName);
        return value;
    }

    /// <summary>One of the enum's named values.</summary>
    public static T Defined<T>(T value, [CallerArgumentExpression(nameof(value))] string? paramName = null)
        where T : struct, Enum
    {
        if (!Enum.IsDefined(value))
        {
            throw new ArgumentOutOfRangeException(paramName);
        }

        return value;
    }
}
