namespace ToolFlow.Pipeline;

/// <summary>Which of a sub-agent's events surface in the parent's run, each wrapped in a <see cref="Blocks.SubAgentEvent"/>.</summary>
public enum SubAgentEventForwarding
{
    /// <summary>
    /// Every event but the increments (<see cref="Blocks.TextDelta"/>, <see cref="Blocks.ReasoningDelta"/>,
    /// <see cref="Blocks.ToolArgumentsDelta"/>, <see cref="Blocks.ModelUpdateReceived"/>): turns, calls, their progress
    /// and outcomes, diagnostics and the child's <see cref="RunCompleted"/>. The default: a few events per call and
    /// turn, whatever the child says.
    /// </summary>
    Lifecycle,

    /// <summary>
    /// Every event, the child's text deltas too. A child's text can be long, and these wrapped events are never
    /// coalesced for a slow reader of the parent's run: choose it for a UI that shows the sub-agent typing.
    /// </summary>
    All,

    /// <summary>None: the parent's run shows only its call to the sub-agent.</summary>
    None,
}
