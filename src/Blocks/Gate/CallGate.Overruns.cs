namespace ToolFlow.Blocks;

/// <summary>
/// Tool bodies that outlive their call: a call that timed out or was cancelled ends at once, but its body keeps its
/// executor slot until it returns. Once every call of a work has ended while its body runs, a <see cref="BodyWatch"/>
/// gives it <see cref="ToolExecutionBlockOptions.OverrunGracePeriod"/>; past that it is reported
/// (<see cref="ToolCallBodyOverran"/>, <see cref="ToolExecutor.OverrunningBodies"/>) and the block stops waiting for it.
/// </summary>
/// <remarks>Each member takes the gate's lock or is called under it (see the lock scheme in CallGate.cs).</remarks>
internal sealed partial class CallGate
{
    /// <summary>
    /// A watched body returned: the watch ends, and an overrun is reported as over.
    /// </summary>
    /// <returns>Whether it had overrun (the block stopped waiting for it then, so <see cref="OnTaskEnded"/> is not called).</returns>
    public bool OnBodyReturned(BodyWatch watch)
    {
        lock (_lock)
        {
            watch.Returned = true;
            watch.Timer?.Dispose();
            watch.Timer = null;
            if (!watch.Overran)
            {
                return false;
            }

            Invoker.Executor.OnOverrunEnded();
            TimeSpan since = _timeProvider.GetElapsedTime(watch.EndedAt);
            foreach (CallState call in CallsOf(watch.Work))
            {
                _block.Emit(new ToolCallBodyReturned(call.Call, since) { Turn = call.Call.Turn });
            }

            return true;
        }
    }

    /// <summary>
    /// The grace period after a watched body's call ended has passed and the body still runs: it is reported, and the
    /// block no longer waits for it to complete.
    /// </summary>
    public void OnGraceElapsed(BodyWatch watch)
    {
        lock (_lock)
        {
            watch.Timer?.Dispose();
            watch.Timer = null;
            if (watch.Returned || watch.Overran)
            {
                return;
            }

            watch.Overran = true;
            Invoker.Executor.OnBodyOverran();
            TimeSpan since = _timeProvider.GetElapsedTime(watch.EndedAt);
            foreach (CallState call in CallsOf(watch.Work))
            {
                _block.Emit(new ToolCallBodyOverran(call.Call, since) { Turn = call.Call.Turn });
            }

            --_runningTasks;
            TryDrain();
        }
    }

    // Under the lock: the work's calls have all ended while its body runs on; the grace period starts now.
    private BodyWatch Watch(ExecutorWork work) => work.Watch ??= new BodyWatch(this, work, _timeProvider.GetTimestamp());

    // Under the lock: sets the watch's timer to the end of its grace period, unless its body has returned.
    private void Arm(BodyWatch watch)
    {
        if (watch.Returned || watch.Timer is not null)
        {
            return;
        }

        TimeSpan due = _options.OverrunGracePeriod - _timeProvider.GetElapsedTime(watch.EndedAt);
        watch.Timer = _timeProvider.CreateTimer(static s => ((BodyWatch)s!).Gate.OnGraceElapsed((BodyWatch)s!), watch, due < TimeSpan.Zero ? TimeSpan.Zero : due, Timeout.InfiniteTimeSpan);
    }

    // Outside the lock, after the tokens fired: the bodies that did not end on them are watched from now on.
    private void ArmWatches(List<BodyWatch> watches)
    {
        lock (_lock)
        {
            foreach (BodyWatch watch in watches)
            {
                Arm(watch);
            }
        }
    }

    private static CallState[] CallsOf(ExecutorWork work) => work is BatchWork batch ? batch.Started : [((CallRun)work).State];
}
