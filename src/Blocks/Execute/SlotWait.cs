namespace ToolFlow.Blocks;

/// <summary>
/// A running call that gave its slot back (rate limited, waiting out the pause) queued to take one again: started
/// like any work when the caps and the pause allow, it wakes the call's flow instead of running a new call.
/// </summary>
internal sealed class SlotWait : ExecutorWork
{
    private readonly TaskCompletionSource _taken = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public SlotWait(ToolDescriptor tool) => Tool = tool;

    /// <summary>Completes when the slot is the call's again.</summary>
    public Task Taken => _taken.Task;

    public override void Start() => _taken.TrySetResult();
}
