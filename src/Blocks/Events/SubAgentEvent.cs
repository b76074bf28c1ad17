namespace ToolFlow.Blocks;

/// <summary>
/// An event of a sub-agent's run (a pipeline called as a tool, see <c>ToolPipeline.AsTool</c>), surfaced in the
/// parent's run while the parent's call to it runs, so a UI can show the sub-agent's progress. A grandchild's events
/// arrive wrapped twice: <see cref="CallChain"/> reads the chain of calls, <see cref="Innermost"/> the event itself.
/// </summary>
/// <param name="ParentCall">The parent's call to the sub-agent, whose progress this is.</param>
/// <param name="Agent">The sub-agent's name (the tool's name).</param>
/// <param name="Event">The child's event, with the child run's own sequence number, timestamp and turn.</param>
/// <remarks>
/// Numbered in the parent's run like any event; its <see cref="ToolPipelineEvent.Turn"/> is the parent call's turn.
/// Emitted only between the parent call's <see cref="ToolCallStarted"/> and its outcome, never after, and never
/// throttled. Which of the child's events are forwarded is the agent tool's choice (by default its lifecycle events,
/// not its text and argument deltas).
/// </remarks>
public sealed record SubAgentEvent(ToolCall ParentCall, string Agent, ToolPipelineEvent Event) : ToolPipelineEvent
{
    /// <summary>How deep the wrapped event is: 1 for a child's own event, 2 for a grandchild's, and so on.</summary>
    public int Depth => Event is SubAgentEvent inner ? inner.Depth + 1 : 1;

    /// <summary>The event itself, past every wrapping.</summary>
    public ToolPipelineEvent Innermost => Event is SubAgentEvent inner ? inner.Innermost : Event;

    /// <summary>The calls that lead to the event, outermost first: this parent call, then each nested one.</summary>
    public IReadOnlyList<ToolCall> CallChain
    {
        get
        {
            var chain = new List<ToolCall> { ParentCall };
            for (ToolPipelineEvent inner = Event; inner is SubAgentEvent wrapped; inner = wrapped.Event)
            {
                chain.Add(wrapped.ParentCall);
            }

            return chain;
        }
    }
}
