using Microsoft.Extensions.AI;

namespace ToolFlow.Profiling;

/// <summary>
/// Decides where a scenario tool's body runs: given the tool as the harness builds it (its draw, clock and attempt
/// count) and the conversation it serves, returns the function the pipeline calls in its place, with the same name.
/// For instance one that sends each attempt to another node, which runs the given tool there.
/// </summary>
/// <param name="tool">The scenario's tool for this conversation.</param>
/// <param name="conversationIndex">The conversation's position in the scenario, from 0.</param>
/// <returns>The function the pipeline calls; it must bear <paramref name="tool"/>'s name.</returns>
public delegate AIFunction ScenarioToolRoute(AIFunction tool, int conversationIndex);
