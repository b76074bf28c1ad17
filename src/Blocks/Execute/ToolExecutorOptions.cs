namespace ToolFlow.Blocks;

/// <summary>Options of a <see cref="ToolExecutor"/>.</summary>
public sealed class ToolExecutorOptions
{
    /// <summary>
    /// The most tool bodies running at once across every conversation; -1 for no limit. Default 64. A body that
    /// outlives its call (timed out or cancelled, ignoring its token) holds its slot until it returns, so this many
    /// bodies at most are running at any instant, and a call may wait longer for a slot because of them.
    /// </summary>
    public int MaxConcurrency { get; set => field = OptionsValidation.CapOrUnbounded(value); } = 64;

    /// <summary>The clock for timeouts, retry delays and the circuit breaker. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set => field = OptionsValidation.NotNull(value); } = TimeProvider.System;

    /// <summary>Where tools are started. Default <see cref="TaskScheduler.Default"/>.</summary>
    public TaskScheduler TaskScheduler { get; set => field = OptionsValidation.NotNull(value); } = TaskScheduler.Default;
}
