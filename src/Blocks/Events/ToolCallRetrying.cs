namespace ToolFlow.Blocks;

/// <summary>An attempt of a read-only or idempotent call failed; it runs again after <see cref="Delay"/>.</summary>
/// <param name="Call">The call.</param>
/// <param name="Attempt">The attempt that failed, from 1.</param>
/// <param name="Delay">The wait before the next attempt.</param>
/// <param name="Error">What the failed attempt threw.</param>
public sealed record ToolCallRetrying(ToolCall Call, int Attempt, TimeSpan Delay, Exception? Error) : ToolPipelineEvent;
