using ToolFlow.Blocks;
using ToolFlow.Pipeline;

namespace ToolFlow.Profiling;

/// <summary>
/// The measured timeline of one pipeline run (one conversation), built from its events: when each turn started, sent
/// its first token and finished streaming, when each call closed, started and completed, and when the run ended, all
/// in milliseconds from a start the caller gives (the run's own start, or a scenario's).
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

    /// <summary>The run's final event, once it has ended.</summary>
    public RunCompleted? Completed { get; private set; }

    /// <summary>Records an event; feed every event of the run, in order.</summary>
    /// <param name="event">The event.</param>
    public void Record(ToolPipelineEvent @event)
    {
        ArgumentNullException.ThrowIfNull(@event);
        double ms = (@event.Timestamp - _start).TotalMilliseconds;
        switch (@event)
        {
            case TurnStarted:
                _turns.Add(new TurnTiming(_turns.Count + 1, ms, null, null));
                break;
            case TextDelta or ToolCallDetected or ToolArgumentsDelta or ReasoningDelta when _turns.Count > 0 && _turns[^1].FirstTokenMs is null:
                // A turn's first text or call fragment is its first token.
                _turns[^1] = _turns[^1] with { FirstTokenMs = ms };
                break;
            case ToolCallClosed closed:
                _callIndex[closed.Call.CallId] = _calls.Count;
                _calls.Add(new CallTiming(closed.Call.CallId, closed.Call.Name, closed.Turn, ms, null, null, false));
                break;
            case ToolCallStarted started:
                Update(started.Call.CallId, c => c with { StartedMs = ms });
                break;
            case ToolCallCompleted completed:
                Update(completed.Call.CallId, c => c with { CompletedMs = ms });
                break;
            case ToolCallFailed failed:
                Update(failed.Call.CallId, c => c with { CompletedMs = ms, Failed = true });
                break;
            case ResponseCompleted when _turns.Count > 0:
                _turns[^1] = _turns[^1] with { DecodeEndMs = ms };
                break;
            case RunCompleted completed:
                EndToEndMs = ms;
                Completed = completed;
                break;
        }
    }

    private void Update(string callId, Func<CallTiming, CallTiming> change)
    {
        if (_callIndex.TryGetValue(callId, out int i))
        {
            _calls[i] = change(_calls[i]);
        }
    }
}
