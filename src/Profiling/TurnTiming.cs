namespace ToolFlow.Profiling;

/// <summary>When one model turn started, sent its first token and finished streaming, in milliseconds from the start of its <see cref="RunTimeline"/>.</summary>
/// <param name="Turn">The turn, from 1.</param>
/// <param name="StartedMs">When the request was sent.</param>
/// <param name="FirstTokenMs">When the first text or call fragment arrived, if any did.</param>
/// <param name="DecodeEndMs">When the response was complete, once it was.</param>
public sealed record TurnTiming(int Turn, double StartedMs, double? FirstTokenMs, double? DecodeEndMs);
