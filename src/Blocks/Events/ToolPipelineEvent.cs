using System.Diagnostics;

namespace ToolFlow.Blocks;

/// <summary>
/// The base of every event a ToolFlow mesh produces. Events are immutable; lifecycle events arrive in the order
/// things happened (completion order), and every event of a run carries a strictly increasing
/// <see cref="Sequence"/>.
/// </summary>
[DebuggerDisplay("{DebuggerDisplay,nq}")]
public abstract record ToolPipelineEvent
{
    /// <summary>The event's position in its run, from 1, assigned where the mesh merges; 0 before that.</summary>
    public long Sequence { get; init; }

    private DateTimeOffset _timestamp;

    /// <summary>When the event happened, read from the mesh's <see cref="TimeProvider"/>.</summary>
    public DateTimeOffset Timestamp { get => _timestamp; init => _timestamp = value; }

    private int _turn;

    /// <summary>The model turn the event belongs to, from 1.</summary>
    public int Turn { get => _turn; init => _turn = value; }

    /// <summary>Stamps an event its block has just created, before anyone else can see it (no copy per event).</summary>
    /// <param name="timestamp">The time.</param>
    internal void StampNew(DateTimeOffset timestamp) => _timestamp = timestamp;

    /// <summary>Sets the turn of an event its block has just created, before anyone else can see it.</summary>
    /// <param name="turn">The turn.</param>
    internal void SetTurnOfNew(int turn) => _turn = turn;

    private string DebuggerDisplay => $"#{Sequence} t{Turn} {GetType().Name} @{Timestamp:HH:mm:ss.fff}";
}
