namespace ToolFlow.Profiling;

/// <summary>
/// The fastest any runtime could finish a conversation without changing the model: a turn cannot end before its
/// decode ends, nor before any call finishes; a call cannot start before its arguments close nor before the calls it
/// depends on finish, so it finishes at <c>max(closed, latest dependency finish) + latency</c> (its critical path).
/// The next turn starts when the previous one ends.
/// </summary>
public static class LowerBound
{
    /// <summary>
    /// The lower bound of one turn: <c>max(decode, max over calls of finish)</c>, where a call finishes at
    /// <c>max(closed, its dependencies' finishes) + latency</c>.
    /// </summary>
    /// <param name="turn">The turn.</param>
    /// <returns>The bound, from the start of the turn.</returns>
    public static TimeSpan Of(TurnPlan turn)
    {
        ArgumentNullException.ThrowIfNull(turn);
        TimeSpan end = turn.Decode;
        foreach (TimeSpan done in Finishes(turn, static c => c.Closed))
        {
            end = done > end ? done : end;
        }

        return end;
    }

    /// <summary>When each call of a turn finishes at the earliest, from the start of the turn, in call order.</summary>
    /// <param name="turn">The turn.</param>
    /// <returns>Each call's <c>max(closed, its dependencies' finishes) + latency</c>.</returns>
    /// <exception cref="ArgumentException">A call depends on itself, a later call, or a position outside the turn.</exception>
    public static IReadOnlyList<TimeSpan> EarliestFinishes(TurnPlan turn)
    {
        ArgumentNullException.ThrowIfNull(turn);
        return Finishes(turn, static c => c.Closed);
    }

    private static TimeSpan[] Finishes(TurnPlan turn, Func<PlannedCall, TimeSpan> ready)
    {
        var finish = new TimeSpan[turn.Calls.Count];
        for (int i = 0; i < turn.Calls.Count; i++)
        {
            PlannedCall call = turn.Calls[i];
            TimeSpan start = ready(call);
            foreach (int dep in call.DependsOn ?? [])
            {
                if (dep < 0 || dep >= i)
                {
                    throw new ArgumentException($"Call {i} depends on call {dep}: a call can only depend on an earlier call of its turn.", nameof(turn));
                }

                start = finish[dep] > start ? finish[dep] : start;
            }

            finish[i] = start + call.Latency;
        }

        return finish;
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

    /// <summary>
    /// What running every call at once after decode costs: <c>decode + max latency</c> per turn, or with
    /// dependencies, <c>decode + the longest dependency chain</c>.
    /// </summary>
    /// <param name="turns">The turns, in order.</param>
    /// <returns>The cost.</returns>
    public static TimeSpan ParallelAfterDecode(IEnumerable<TurnPlan> turns)
    {
        ArgumentNullException.ThrowIfNull(turns);
        TimeSpan total = TimeSpan.Zero;
        foreach (TurnPlan turn in turns)
        {
            TimeSpan end = turn.Decode;
            foreach (TimeSpan done in Finishes(turn, _ => turn.Decode))
            {
                end = done > end ? done : end;
            }

            total += end;
        }

        return total;
    }
}
