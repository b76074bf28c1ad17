namespace ToolFlow.Profiling;

/// <summary>One conversation of a scenario; several run at once, each starting at its own offset.</summary>
/// <param name="Name">The conversation's name.</param>
/// <param name="Start">When it starts, from the start of the scenario.</param>
/// <param name="Prompt">The user's message.</param>
/// <param name="Turns">The model's turns; the last has no calls.</param>
internal sealed record ScenarioConversation(string Name, TimeSpan Start, string Prompt, IReadOnlyList<ScenarioTurn> Turns);
