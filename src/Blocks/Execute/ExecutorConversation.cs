namespace ToolFlow.Blocks;

/// <summary>One conversation's place in a <see cref="ToolExecutor"/>: its queue, its cap and its running count.</summary>
/// <remarks>Every member is guarded by the executor's lock.</remarks>
internal sealed class ExecutorConversation
{
    public ExecutorConversation(ToolExecutor executor, int maxConcurrency)
    {
        Executor = executor;
        MaxConcurrency = maxConcurrency;
        RingNode = new LinkedListNode<ExecutorConversation>(this);
    }

    public ToolExecutor Executor { get; }

    public int MaxConcurrency { get; }

    public int Running { get; set; }

    /// <summary>The conversation's one node in the executor's ring, reused every time it rejoins.</summary>
    public LinkedListNode<ExecutorConversation> RingNode { get; }

    public bool InRing => RingNode.List is not null;

    /// <summary>The oldest queued work.</summary>
    public ExecutorWork? First { get; private set; }

    private ExecutorWork? Last { get; set; }

    public int PendingCount { get; private set; }

    public void Append(ExecutorWork work)
    {
        work.QueuedIn = this;
        work.Previous = Last;
        work.Next = null;
        if (Last is null)
        {
            First = work;
        }
        else
        {
            Last.Next = work;
        }

        Last = work;
        PendingCount++;
    }

    /// <summary>Takes a work out of the queue.</summary>
    /// <returns>Whether it was queued here.</returns>
    public bool Remove(ExecutorWork work)
    {
        if (work.QueuedIn != this)
        {
            return false;
        }

        if (work.Previous is null)
        {
            First = work.Next;
        }
        else
        {
            work.Previous.Next = work.Next;
        }

        if (work.Next is null)
        {
            Last = work.Previous;
        }
        else
        {
            work.Next.Previous = work.Previous;
        }

        work.QueuedIn = null;
        work.Previous = null;
        work.Next = null;
        PendingCount--;
        return true;
    }
}
