using System.Collections.Concurrent;

namespace ToolFlow.Testing;

/// <summary>
/// A scheduler that runs its tasks one at a time, only when <see cref="RunUntilIdle"/> is called, on the calling
/// thread. With <see cref="ManualTimeProvider"/> it makes a whole mesh deterministic: see <see cref="VirtualTime"/>.
/// </summary>
public sealed class ManualTaskScheduler : TaskScheduler
{
    private readonly ConcurrentQueue<Task> _queue = new();
    private readonly ManualResetEventSlim _queued = new(false);
    private int _runningThread;

    /// <inheritdoc/>
    public override int MaximumConcurrencyLevel => 1;

    /// <summary>Whether tasks are queued.</summary>
    public bool HasWork => !_queue.IsEmpty;

    /// <summary>Runs queued tasks, and the tasks they queue, until none is left.</summary>
    /// <returns>How many tasks ran.</returns>
    public int RunUntilIdle()
    {
        int ran = 0;
        _runningThread = Environment.CurrentManagedThreadId;
        try
        {
            _queued.Reset();
            while (_queue.TryDequeue(out Task? task))
            {
                TryExecuteTask(task);
                ran++;
            }
        }
        finally
        {
            _runningThread = 0;
        }

        return ran;
    }

    /// <summary>Wakes a <see cref="WaitForWork"/> without queuing work, for example when awaited work finished elsewhere.</summary>
    public void Wake() => _queued.Set();

    /// <summary>Waits until a task is queued from another thread, or <see cref="Wake"/> is called.</summary>
    /// <param name="timeout">How long to wait.</param>
    /// <returns>Whether a task was queued.</returns>
    public bool WaitForWork(TimeSpan timeout) => !_queue.IsEmpty || _queued.Wait(timeout);

    /// <inheritdoc/>
    protected override void QueueTask(Task task)
    {
        _queue.Enqueue(task);
        _queued.Set();
    }

    /// <inheritdoc/>
    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) =>
        !taskWasPreviouslyQueued && _runningThread == Environment.CurrentManagedThreadId && TryExecuteTask(task);

    /// <inheritdoc/>
    protected override IEnumerable<Task> GetScheduledTasks() => _queue.ToArray();
}
