using ToolFlow.Blocks;

namespace ToolFlow.Profiling;

/// <summary>The measured timeline of one conversation: its turns and its calls, in ms from the scenario's start.</summary>
public sealed class ConversationTimeline
{
    private readonly DateTimeOffset _origin;
    private readonly List<TurnTiming> _turns = [];

    /// <summary>Starts a timeline.</summary>
    /// <param name="name">The conversation's name.</param>
    /// <param name="origin">The scenario's start, on the run's clock.</param>
    public ConversationTimeline(string name, DateTimeOffset origin)
    {
        Name = name;
        _origin = origin;
        Calls = new RunTimeline(origin);
    }

    /// <summary>The conversation's name.</summary>
    public string Name { get; }

    /// <summary>The turns, in order.</summary>
    public IReadOnlyList<TurnTiming> Turns => _turns;

    /// <summary>The calls and the run's end.</summary>
    public RunTimeline Calls { get; }

    /// <summary>Records an event.</summary>
    /// <param name="event">The event.</param>
    public void Record(ToolPipelineEvent @event)
    {
        ArgumentNullException.ThrowIfNull(@event);
        Calls.Record(@event);
        double ms = (@event.Timestamp - _origin).TotalMilliseconds;
        switch (@event)
        {
            case TurnStarted:
                _turns.Add(new TurnTiming(_turns.Count + 1, ms, null, null));
                break;
            case TextDelta or ToolCallDetected or ToolArgumentsDelta or ReasoningDelta when _turns.Count > 0 && _turns[^1].FirstTokenMs is null:
                _turns[^1] = _turns[^1] with { FirstTokenMs = ms };
                break;
            case ResponseCompleted when _turns.Count > 0:
                _turns[^1] = _turns[^1] with { DecodeEndMs = ms };
                break;
        }
    }
}
