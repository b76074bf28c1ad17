using ToolFlow.Blocks;
using ToolFlow.Pipeline;

namespace ToolFlow.Profiling;

/// <summary>
/// The measured timeline of one pipeline run (one conversation), built from its events: when each turn started, sent
/// its first token and finished streaming, when each call closed, started and completed, and when the run ended, all
/// in milliseconds from a start the caller gives (the run's own start, or a scenario's). The latency harness records
/// the same quantities for the real libraries it compares, on the same clock, so every strategy's timeline reads alike.
/// </summary>
public sealed class RunTimeline
{
    private readonly DateTimeOffset _start;
    private readonly Dictionary<string, int> _callIndex = new(StringComparer.Ordinal);
    private readonly List<CallTiming> _calls = [];
    private readonly List<TurnTiming> _turns = [];

    /// <summary>Starts a timeline.</summary>
    /// <param name="start">The instant times are measured from, on the run's clock.</param>
    /// <param name="name">The run's name, such as the scenario conversation it runs.</param>
    public RunTimeline(DateTimeOffset start, string name = "run")
    {
        ArgumentNullException.ThrowIfNull(name);
        _start = start;
        Name = name;
    }

    /// <summary>The run's name.</summary>
    public string Name { get; }

    /// <summary>The model turns, in order.</summary>
    public IReadOnlyList<TurnTiming> Turns => _turns;

    /// <summary>The calls, in the order they closed.</summary>
    public IReadOnlyList<CallTiming> Calls => _calls;

    /// <summary>When the run ended, or <see langword="null"/> while it runs.</summary>
    public double? EndToEndMs { get; private set; }

    /// <summary>The run's final event, once it has ended; <see langword="null"/> for a run that is not a ToolFlow pipeline's.</summary>
    public RunCompleted? Completed { get; private set; }

    /// <summary>Records an event; feed every event of the run, in order.</summary>
    /// <param name="event">The event.</param>
    public void Record(ToolPipelineEvent @event)
    {
        ArgumentNullException.ThrowIfNull(@event);
        DateTimeOffset at = @event.Timestamp;
        switch (@event)
        {
            case TurnStarted:
                TurnStartedAt(at);
                break;
            case TextDelta or ToolCallDetected or ToolArgumentsDelta or ReasoningDelta:
                // A turn's first text or call fragment is its first token.
                TokenAt(at);
                break;
            case ToolCallClosed closed:
                CallClosedAt(closed.Call.CallId, closed.Call.Name, closed.Turn, at);
                break;
            case ToolCallStarted started:
                CallStartedAt(started.Call.CallId, at);
                break;
            case ToolCallCompleted completed:
                CallEndedAt(completed.Call.CallId, at, failed: false);
                break;
            case ToolCallFailed failed:
                CallEndedAt(failed.Call.CallId, at, failed: true);
                break;
            case ResponseCompleted:
                DecodeEndedAt(at);
                break;
            case RunCompleted completed:
                EndedAt(at);
                Completed = completed;
                break;
        }
    }

    // The same quantities for runners that are not a ToolFlow pipeline (the real libraries the harness compares),
    // stamped on the same clock.
    internal void TurnStartedAt(DateTimeOffset at) => _turns.Add(new TurnTiming(_turns.Count + 1, Ms(at), null, null));

    internal void TokenAt(DateTimeOffset at)
    {
        if (_turns.Count > 0 && _turns[^1].FirstTokenMs is null)
        {
            _turns[^1] = _turns[^1] with { FirstTokenMs = Ms(at) };
        }
    }

    internal void DecodeEndedAt(DateTimeOffset at)
    {
        if (_turns.Count > 0)
        {
            _turns[^1] = _turns[^1] with { DecodeEndMs = Ms(at) };
        }
    }

    internal void CallClosedAt(string callId, string name, int turn, DateTimeOffset at)
    {
        _callIndex[callId] = _calls.Count;
        _calls.Add(new CallTiming(callId, name, turn, Ms(at), null, null, false));
    }

    internal void CallStartedAt(string callId, DateTimeOffset at) => Update(callId, c => c with { StartedMs = Ms(at) });

    internal void CallEndedAt(string callId, DateTimeOffset at, bool failed) => Update(callId, c => c with { CompletedMs = Ms(at), Failed = failed });

    internal void EndedAt(DateTimeOffset at) => EndToEndMs = Ms(at);

    private double Ms(DateTimeOffset at) => (at - _start).TotalMilliseconds;

    private void Update(string callId, Func<CallTiming, CallTiming> change)
    {
        if (_callIndex.TryGetValue(callId, out int i))
        {
            _calls[i] = change(_calls[i]);
        }
    }
}
