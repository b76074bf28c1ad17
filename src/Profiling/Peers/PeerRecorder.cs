namespace ToolFlow.Profiling;

/// <summary>
/// Stamps a real library's run onto a <see cref="RunTimeline"/> on the scenario's clock, with the quantities a
/// ToolFlow run's events give: turn start, first token, call closed, started and ended, decode end, run end.
/// </summary>
/// <remarks>Tools end on timer threads, side by side when run concurrently; one lock keeps the timeline whole.</remarks>
internal sealed class PeerRecorder(RunTimeline timeline, TimeProvider clock)
{
    private readonly Lock _lock = new();
    private int _turn;

    /// <summary>A request went to the model; returns its turn, from 1.</summary>
    public int TurnStarted()
    {
        lock (_lock)
        {
            timeline.TurnStartedAt(clock.GetUtcNow());
            return ++_turn;
        }
    }

    public void Token()
    {
        lock (_lock)
        {
            timeline.TokenAt(clock.GetUtcNow());
        }
    }

    public void CallClosed(string callId, string name, int turn)
    {
        lock (_lock)
        {
            timeline.CallClosedAt(callId, name, turn, clock.GetUtcNow());
        }
    }

    public void CallStarted(string callId)
    {
        lock (_lock)
        {
            timeline.CallStartedAt(callId, clock.GetUtcNow());
        }
    }

    public void CallEnded(string callId, bool failed)
    {
        lock (_lock)
        {
            timeline.CallEndedAt(callId, clock.GetUtcNow(), failed);
        }
    }

    public void DecodeEnded()
    {
        lock (_lock)
        {
            timeline.DecodeEndedAt(clock.GetUtcNow());
        }
    }

    public void RunEnded()
    {
        lock (_lock)
        {
            timeline.EndedAt(clock.GetUtcNow());
        }
    }
}
