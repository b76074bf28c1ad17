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

    /// <summary>When the event happened, read from the mesh's <see cref="TimeProvider"/>.</summary>
    public DateTimeOffset Timestamp { get; init; }

    /// <summary>The model turn the event belongs to, from 1.</summary>
    public int Turn { get; init; }

    private string DebuggerDisplay => $"#{Sequence} t{Turn} {GetType().Name} @{Timestamp:HH:mm:ss.fff}";
}
