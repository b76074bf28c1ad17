namespace ToolFlow.Pipeline;

/// <summary>One attempt of a call's tool body.</summary>
/// <param name="Attempt">The attempt's number, from 1.</param>
/// <param name="StartedAt">When the body started.</param>
/// <param name="EndedAt">When it ended; <see langword="null"/> if it had not.</param>
/// <param name="Error">Why it failed; <see langword="null"/> if it succeeded or had not ended.</param>
public sealed record ToolCallAttemptRecord(int Attempt, DateTimeOffset StartedAt, DateTimeOffset? EndedAt = null, string? Error = null);
