namespace ToolFlow.AspNetCore;

/// <summary>One model turn of a conversation's snapshot, for a timeline.</summary>
/// <param name="Turn">The turn, from 1, counted across the whole conversation.</param>
/// <param name="StartedAt">When the model request started.</param>
/// <param name="DecodeEndedAt">When the model's stream ended; <see langword="null"/> while it streams.</param>
/// <param name="EndedAt">When the turn ended (its calls settled); <see langword="null"/> while it runs.</param>
public sealed record ToolPipelineChatTurn(int Turn, DateTimeOffset StartedAt, DateTimeOffset? DecodeEndedAt, DateTimeOffset? EndedAt);
