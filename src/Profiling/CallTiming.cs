namespace ToolFlow.Profiling;

/// <summary>When one call closed, started and completed, in milliseconds from the start of its <see cref="RunTimeline"/>.</summary>
/// <param name="CallId">The call id.</param>
/// <param name="Name">The tool name.</param>
/// <param name="Turn">The call's turn.</param>
/// <param name="ClosedMs">When its arguments were complete.</param>
/// <param name="StartedMs">When its tool started, or <see langword="null"/> if it never did.</param>
/// <param name="CompletedMs">When it completed or failed, or <see langword="null"/> if it never ended.</param>
/// <param name="Failed">Whether it failed.</param>
public sealed record CallTiming(string CallId, string Name, int Turn, double ClosedMs, double? StartedMs, double? CompletedMs, bool Failed);
