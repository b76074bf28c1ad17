namespace ToolFlow.Blocks;

/// <summary>One conversation's place in a <see cref="ToolExecutor"/>: its queue, its cap and its running count.</summary>
internal sealed class ExecutorConversation(ToolExecutor executor, int maxConcurrency)
{
    public ToolExecutor Executor { get; } = executor;

    public int MaxConcurrency { get; } = maxConcurrency;

    // Guarded by the executor's lock.
    public LinkedList<ExecutorWork> Pending { get; } = new();

    public int Running { get; set; }

    public LinkedListNode<ExecutorConversation>? RingNode { get; set; }
}
