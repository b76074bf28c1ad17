namespace ToolFlow.Perf;

/// <summary>
/// The fastest any runtime could finish a conversation without changing the model: a turn cannot end before its
/// decode ends, nor before any call's arguments close plus that call's latency. The next turn starts when the
/// previous one ends.
/// </summary>
public static class LowerBound
{
    /// <summary>The lower bound of one turn: <c>max(decode, max over calls of (closed + latency))</c>.</summary>
    /// <param name="turn">The turn.</param>
    /// <returns>The bound, from the start of the turn.</returns>
    public static TimeSpan Of(TurnPlan turn)
    {
        ArgumentNullException.ThrowIfNull(turn);
        TimeSpan end = turn.Decode;
        foreach (PlannedCall call in turn.Calls)
        {
            TimeSpan done = call.Closed + call.Latency;
            if (done > end)
            {
                end = done;
            }
        }

        return end;
    }

    /// <summary>The lower bound of a conversation: the sum of its turns' bounds.</summary>
    /// <param name="turns">The turns, in order.</param>
    /// <returns>The bound, from the start of the first turn.</returns>
    public static TimeSpan Of(IEnumerable<TurnPlan> turns)
    {
        ArgumentNullException.ThrowIfNull(turns);
        TimeSpan total = TimeSpan.Zero;
        foreach (TurnPlan turn in turns)
        {
            total += Of(turn);
        }

        return total;
    }

    /// <summary>What running every call one at a time after decode costs: <c>decode + sum of latencies</c> per turn.</summary>
    /// <param name="turns">The turns, in order.</param>
    /// <returns>The cost.</returns>
    public static TimeSpan SequentialAfterDecode(IEnumerable<TurnPlan> turns)
    {
        ArgumentNullException.ThrowIfNull(turns);
        TimeSpan total = TimeSpan.Zero;
        foreach (TurnPlan turn in turns)
        {
            total += turn.Decode;
            foreach (PlannedCall call in turn.Calls)
            {
                total += call.Latency;
            }
        }

        return total;
    }

    /// <summary>What running every call at once after decode costs: <c>decode + max latency</c> per turn.</summary>
    /// <param name="turns">The turns, in order.</param>
    /// <returns>The cost.</returns>
    public static TimeSpan ParallelAfterDecode(IEnumerable<TurnPlan> turns)
    {
        ArgumentNullException.ThrowIfNull(turns);
        TimeSpan total = TimeSpan.Zero;
        foreach (TurnPlan turn in turns)
        {
            TimeSpan longest = TimeSpan.Zero;
            foreach (PlannedCall call in turn.Calls)
            {
                longest = call.Latency > longest ? call.Latency : longest;
            }

            total += turn.Decode + longest;
        }

        return total;
    }
}
