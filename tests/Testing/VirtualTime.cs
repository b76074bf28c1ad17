namespace ToolFlow.Testing;

/// <summary>
/// Runs asynchronous code on a manual clock and a single-threaded scheduler: it runs every queued task until
/// nothing can move, then advances the clock to the next timer, and repeats. Time moves only when the whole system
/// is waiting for it, so every timestamp is exact and a run is the same every time.
/// </summary>
/// <remarks>
/// Code under test must not hop to the thread pool between two timers, or the clock may move before it is done:
/// tools resume from their delays with <c>ConfigureAwait(false)</c> (inline, at the exact instant), or capture the
/// scheduler. <c>AIFunctionFactory</c> functions whose delegate is itself asynchronous resume on the pool; give them
/// their latency with <c>SimulatedLatencyFunction</c> around a synchronous delegate instead.
/// </remarks>
public static class VirtualTime
{
    /// <summary>Runs <paramref name="body"/> to completion in virtual time.</summary>
    /// <param name="clock">The clock the code under test uses.</param>
    /// <param name="scheduler">The scheduler the code under test uses.</param>
    /// <param name="body">The code.</param>
    /// <param name="limit">Fails the run if virtual time passes this (default 1 hour).</param>
    public static void Run(ManualTimeProvider clock, ManualTaskScheduler scheduler, Func<Task> body, TimeSpan? limit = null)
    {
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(scheduler);
        ArgumentNullException.ThrowIfNull(body);
        TimeSpan end = clock.Elapsed + (limit ?? TimeSpan.FromHours(1));

        // Continuations that capture a context must come back to the scheduler, not to the test framework's.
        SynchronizationContext? previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
        try
        {
            Drive(clock, scheduler, body, end, limit);
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }
    }

    private static void Drive(ManualTimeProvider clock, ManualTaskScheduler scheduler, Func<Task> body, TimeSpan end, TimeSpan? limit)
    {
        Task task = Task.Factory.StartNew(body, CancellationToken.None, TaskCreationOptions.None, scheduler).Unwrap();
        task.ContinueWith(static (_, s) => ((ManualTaskScheduler)s!).Wake(), scheduler, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        while (!task.IsCompleted)
        {
            scheduler.RunUntilIdle();
            if (task.IsCompleted)
            {
                break;
            }

            // A cancelled Task.Delay resumes its awaiter on the thread pool whatever the scheduler (a tool ending on its
            // token does): what the code under test queued there runs before time moves, and what it queues back here too.
            SettleThreadPool();
            if (scheduler.WaitForWork(TimeSpan.Zero))
            {
                continue;
            }

            if (clock.AdvanceToNextTimer())
            {
                if (clock.Elapsed > end)
                {
                    throw new TimeoutException($"The run did not finish within {limit ?? TimeSpan.FromHours(1)} of virtual time.");
                }

                continue;
            }

            // Nothing is queued and no timer is set: some work is still on another thread. Wait for it to come back,
            // either as work queued here or as a timer it set (a retry's delay set from the pool), then go round again.
            if (!WaitForWorkOrTimer(clock, scheduler, TimeSpan.FromSeconds(30)) && !task.IsCompleted)
            {
                throw new TimeoutException("The run is stuck: no task is queued, no timer is set, and it has not finished.");
            }
        }

        task.GetAwaiter().GetResult();
    }

    private static bool WaitForWorkOrTimer(ManualTimeProvider clock, ManualTaskScheduler scheduler, TimeSpan patience)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        while (System.Diagnostics.Stopwatch.GetElapsedTime(start) < patience)
        {
            if (scheduler.WaitForWork(TimeSpan.FromMilliseconds(5)) || clock.PendingTimers > 0)
            {
                return true;
            }
        }

        return false;
    }

    // Waits until the thread pool has taken up every work item queued before this call, twice over, so that short work
    // queued there (and work it queued in turn) has run; and again while other pool work completed meanwhile (a
    // continuation still running on another thread when the markers ran), a bounded number of times: tests running in
    // parallel keep the pool busy too.
    private static void SettleThreadPool()
    {
        for (int round = 0; round < 16; round++)
        {
            long before = ThreadPool.CompletedWorkItemCount;
            for (int pass = 0; pass < 2; pass++)
            {
                using var reached = new ManualResetEventSlim();
                ThreadPool.UnsafeQueueUserWorkItem(static s => s.Set(), reached, preferLocal: false);
                reached.Wait();
            }

            if (ThreadPool.CompletedWorkItemCount - before <= 2 && ThreadPool.PendingWorkItemCount == 0)
            {
                return;
            }
        }
    }
}
