namespace ToolFlow.Profiling;

/// <summary>One turn as a plan knows it: how long the model decodes, and its calls.</summary>
/// <param name="Decode">When the model's last token arrives, from the start of the turn.</param>
/// <param name="Calls">The turn's calls.</param>
public sealed record TurnPlan(TimeSpan Decode, IReadOnlyList<PlannedCall> Calls);
