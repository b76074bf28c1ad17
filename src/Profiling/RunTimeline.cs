using ToolFlow.Blocks;
using ToolFlow.Pipeline;

namespace ToolFlow.Profiling;

/// <summary>
/// The measured timeline of one run, built from its events: when each call closed, started and completed, when each
/// turn's decode ended, and when the run ended, all in milliseconds from the run's start.
/// </summary>
public sealed class RunTimeline
{
    private readonly DateTimeOffset _start;
    private readonly Dictionary<string, int> _callIndex = new(StringComparer.Ordinal);
    private readonly List<CallTiming> _calls = [];
    private readonly List<double> _decodeEndMs = [];

    /// <summary>Starts a timeline.</summary>
    /// <param name="start">The run's start, on the run's clock.</param>
    public RunTimeline(DateTimeOffset start)
    {
        _start = start;
    }

    /// <summary>The calls, in the order they closed.</summary>
    public IReadOnlyList<CallTiming> Calls => _calls;

    /// <summary>When each turn's model stream ended.</summary>
    public IReadOnlyList<double> DecodeEndMs => _decodeEndMs;

    /// <summary>When the run ended, or <see langword="null"/> while it runs.</summary>
    public double? EndToEndMs { get; private set; }

    /// <summary>The run's final event, once it has ended.</summary>
    public RunCompleted? Completed { get; private set; }

    /// <summary>Records an event.</summary>
    /// <param name="event">The event.</param>
    public void Record(ToolPipelineEvent @event)
    {
        ArgumentNullException.ThrowIfNull(@event);
        double ms = (@event.Timestamp - _start).TotalMilliseconds;
        switch (@event)
        {
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
            case ResponseCompleted:
                _decodeEndMs.Add(ms);
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
