namespace ToolFlow.Profiling;

/// <summary>One piece of a scripted response: text, or a call.</summary>
/// <param name="Text">The text, for a text segment.</param>
/// <param name="Call">The call, for a call segment.</param>
internal sealed record ScenarioSegment(string? Text, ScenarioCall? Call);
