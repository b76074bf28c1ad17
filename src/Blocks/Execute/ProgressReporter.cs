namespace ToolFlow.Blocks;

/// <summary>
/// What <see cref="ToolProgress.Current"/> holds during one attempt of a call: passes the tool's reports to the gate
/// until the attempt ends, and drops them after (a tool that kept it, or a timed-out attempt still running).
/// </summary>
internal sealed class ProgressReporter(CallState state) : IProgress<ToolProgressUpdate>
{
    private volatile bool _ended;

    /// <summary>Whether the attempt has ended; read under the gate's lock, so a report racing the end is dropped.</summary>
    public bool Ended => _ended;

    public void Report(ToolProgressUpdate value)
    {
        ToolProgress.Validate(value);
        if (!_ended)
        {
            state.Invoker.Gate.OnProgress(state, this, value);
        }
    }

    /// <summary>The attempt ended: later reports are dropped.</summary>
    public void End() => _ended = true;
}
