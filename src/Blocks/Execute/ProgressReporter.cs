namespace ToolFlow.Blocks;

/// <summary>
/// What <see cref="ToolProgress.Current"/> gives during one attempt of a call: passes the tool's reports to the gate
/// while that attempt runs, and drops them after (a tool that kept it, or a timed-out attempt still running). Made only
/// when a tool asks for it (see <see cref="CallGate.GetReporter"/>), so a call whose tool never reports pays nothing.
/// </summary>
internal sealed class ProgressReporter(CallRun run, int attempt) : IProgress<ToolProgressUpdate>
{
    /// <summary>The call it reports for.</summary>
    public CallRun Run => run;

    /// <summary>The attempt it belongs to (1 for the first).</summary>
    public int Attempt { get; } = attempt;

    /// <summary>Whether its attempt has ended; read under the gate's lock, so a report racing the end is dropped.</summary>
    public bool Ended => run.Attempt != Attempt;

    public void Report(ToolProgressUpdate value)
    {
        ToolProgress.Validate(value);
        if (!Ended)
        {
            run.Invoker.Gate.OnProgress(run, this, value);
        }
    }
}
