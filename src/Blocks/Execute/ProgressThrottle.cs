namespace ToolFlow.Blocks;

/// <summary>
/// One call's progress between its tool and its events, for <see cref="ToolExecutionBlockOptions.MinProgressInterval"/>:
/// the latest attempt's reporter, when the last event went out, the report held since, and the timer that sends it. Made
/// when the call's tool first asks for its reporter; guarded by the gate's lock (the timer's callback takes it).
/// </summary>
internal sealed class ProgressThrottle
{
    /// <summary>The reporter of the latest attempt that asked for one; read without the lock, so volatile.</summary>
    public ProgressReporter? Reporter
    {
        get => Volatile.Read(ref _reporter);
        set => Volatile.Write(ref _reporter, value);
    }

    private ProgressReporter? _reporter;

    /// <summary>The timestamp of the last progress event, or <see langword="null"/> before the first.</summary>
    public long? EmittedAt { get; set; }

    /// <summary>The latest report made within the interval, waiting for it to pass.</summary>
    public ToolProgressUpdate? Held { get; set; }

    /// <summary>Fires when the interval after the last event has passed; made once, re-armed as needed.</summary>
    public ITimer? Timer { get; set; }

    public bool TimerArmed { get; set; }
}
