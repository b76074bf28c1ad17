namespace ToolFlow.Blocks;

/// <summary>
/// A ready call (or batch of calls) waiting in, or running on, a <see cref="ToolExecutor"/>. The links that queue
/// it live in the work itself, so queueing and starting allocate nothing.
/// </summary>
internal abstract class ExecutorWork
{
    /// <summary>The tool it runs; set before the work is queued.</summary>
    public ToolDescriptor? Tool { get; set; }

    // Guarded by the executor's lock: the conversation queue's links, and the chain of works about to start.
    public ExecutorConversation? QueuedIn { get; set; }

    public ExecutorWork? Previous { get; set; }

    public ExecutorWork? Next { get; set; }

    public ExecutorWork? NextToStart { get; set; }

    /// <summary>Guarded by the executor's lock: for a tool with an adaptive limit, the admission number of its slot.</summary>
    public long Admission { get; set; }

    /// <summary>
    /// Guarded by the executor's lock: the work has given back its global and conversation slots while it waits for
    /// calls of the same executor (a sub-agent waiting for its child's calls); it still holds its tool's slot.
    /// </summary>
    public bool Lent { get; set; }

    /// <summary>
    /// Guarded by the gate's lock: set when the work's calls have all ended while its body still holds the slot.
    /// Written only while a call of the work runs, so once the work has reported its outcome it no longer changes.
    /// </summary>
    public BodyWatch? Watch { get; set; }

    /// <summary>Called by the executor, outside its lock, when a slot is free.</summary>
    public abstract void Start();
}
