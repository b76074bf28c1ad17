namespace ToolFlow.Blocks;

/// <summary>Options of a <see cref="ToolExecutor"/>.</summary>
public sealed class ToolExecutorOptions
{
    /// <summary>The most calls running at once across every conversation; -1 for no limit. Default 64.</summary>
    public int MaxConcurrency { get; set => field = OptionsValidation.CapOrUnbounded(value); } = 64;

    /// <summary>The clock for timeouts, retry delays and the circuit breaker. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set => field = OptionsValidation.NotNull(value); } = TimeProvider.System;

    /// <summary>Where tools are started. Default <see cref="TaskScheduler.Default"/>.</summary>
    public TaskScheduler TaskScheduler { get; set => field = OptionsValidation.NotNull(value); } = TaskScheduler.Default;
}
