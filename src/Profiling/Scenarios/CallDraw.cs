namespace ToolFlow.Profiling;

/// <summary>What one call does in one run: each attempt's latency, which attempts fail, and its total duration.</summary>
/// <param name="AttemptLatencies">The latency of each attempt made, in order.</param>
/// <param name="FailedAttempts">How many attempts fail; the attempt after them succeeds unless retries ran out.</param>
/// <param name="Succeeds">Whether an attempt succeeds.</param>
/// <param name="Duration">From the first attempt's start to the last attempt's end, backoff delays included.</param>
internal sealed record CallDraw(IReadOnlyList<TimeSpan> AttemptLatencies, int FailedAttempts, bool Succeeds, TimeSpan Duration);
