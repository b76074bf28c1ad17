using System.Threading.Tasks.Dataflow;
using ToolFlow.Blocks;

namespace ToolFlow.Pipeline;

/// <summary>How a pipeline behaves as a tool of another (<see cref="ToolPipeline.AsTool"/>, <see cref="ToolPipeline.AsToolDescriptor"/>).</summary>
public sealed class AgentToolOptions
{
    /// <summary>Which of the child run's events surface in the parent's run. Default <see cref="SubAgentEventForwarding.Lifecycle"/>.</summary>
    public SubAgentEventForwarding Events { get; set => field = OptionsValidation.Defined(value); }

    /// <summary>
    /// The sub-agent's effects as the parent's scheduler sees them; <see langword="null"/> (the default) for the union
    /// of its tools' effects: read-only if all of them are, idempotent if all are read-only or idempotent, else
    /// side-effecting (a parent then starts it only once its response has ended cleanly).
    /// </summary>
    public ToolEffects? Effects
    {
        get;
        set => field = value is { } effects ? OptionsValidation.Defined(effects) : null;
    }

    /// <summary>
    /// With <see cref="ToolPipeline.AsToolDescriptor"/>: the most runs of this sub-agent at once, across every
    /// conversation of the executor; -1 (the default) for no limit. A sub-agent's call takes no slot of the global or
    /// conversation caps while its child runs (its child's calls do), so this is what bounds how many children run.
    /// </summary>
    public int MaxConcurrency { get; set => field = OptionsValidation.CapOrUnbounded(value); } = DataflowBlockOptions.Unbounded;

    /// <summary>
    /// With <see cref="ToolPipeline.AsToolDescriptor"/>: how long the child run may take before the parent's call times
    /// out, which cancels the child run; <see langword="null"/> (the default) for no limit.
    /// </summary>
    public TimeSpan? Timeout { get; set => field = OptionsValidation.PositiveOrNone(value); }

    /// <summary>
    /// Whether the result adds a line after the answer saying how many turns the child took and how its calls ended,
    /// for the parent model. Default <see langword="false"/>: the answer alone.
    /// </summary>
    public bool IncludeCallSummary { get; set; }

    internal AgentToolOptions Clone() => (AgentToolOptions)MemberwiseClone();
}
