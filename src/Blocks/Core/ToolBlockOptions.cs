namespace ToolFlow.Blocks;

/// <summary>
/// What every ToolFlow block needs: where time comes from, where its work runs, and when to stop. A block
/// copies its options when it is built, so changing an options object later affects only blocks built later.
/// </summary>
public class ToolBlockOptions
{
    /// <summary>The source of every timestamp and delay. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set => field = OptionsValidation.NotNull(value); } = TimeProvider.System;

    /// <summary>The scheduler the block's work runs on. Default <see cref="TaskScheduler.Default"/>.</summary>
    public TaskScheduler TaskScheduler { get; set => field = OptionsValidation.NotNull(value); } = TaskScheduler.Default;

    /// <summary>Cancels the block, and every model request and tool call it has under way. Default none.</summary>
    public CancellationToken CancellationToken { get; set; }

    /// <summary>The block's own copy: every setting, checked when it was set, copied as it is.</summary>
    internal T Snapshot<T>()
        where T : ToolBlockOptions => (T)MemberwiseClone();

    /// <summary>Copies the shared settings into another options object.</summary>
    /// <param name="target">The options to fill.</param>
    protected void CopyTo(ToolBlockOptions target)
    {
        ArgumentNullException.ThrowIfNull(target);
        target.TimeProvider = TimeProvider;
        target.TaskScheduler = TaskScheduler;
        target.CancellationToken = CancellationToken;
    }
}
