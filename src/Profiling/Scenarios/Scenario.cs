namespace ToolFlow.Profiling;

/// <summary>A latency scenario: a scripted model, tools with latency distributions, and one or more conversations.</summary>
/// <param name="Name">The scenario's name.</param>
/// <param name="Description">What it models.</param>
/// <param name="Source">The file it was loaded from, or a name for one built in memory.</param>
/// <param name="Model">The model's speed.</param>
/// <param name="Tools">The tools by name.</param>
/// <param name="Conversations">The conversations, run at once.</param>
/// <param name="IsPlan">Whether the first turn of its single conversation is an LLMCompiler plan (plan mode runs it).</param>
public sealed record Scenario(
    string Name,
    string Description,
    string Source,
    ScenarioModel Model,
    IReadOnlyDictionary<string, ScenarioTool> Tools,
    IReadOnlyList<ScenarioConversation> Conversations,
    bool IsPlan);
