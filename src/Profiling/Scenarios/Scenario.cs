namespace ToolFlow.Profiling;

/// <summary>
/// A latency scenario: a scripted model, tools with latency distributions, and one or more conversations that run at
/// once. Load one with <see cref="ScenarioLoader"/> (schema in <c>perf/scenarios/README.md</c>), or record a run
/// with <see cref="ScenarioRecorder"/>; run it with <see cref="ScenarioRunner"/>, or one conversation as a pipeline of your
/// own with <see cref="ScenarioPipeline"/>.
/// </summary>
public sealed class Scenario
{
    internal Scenario(
        string name,
        string description,
        string source,
        ScenarioModel model,
        IReadOnlyDictionary<string, ScenarioTool> tools,
        IReadOnlyList<ScenarioConversation> conversations,
        bool isPlan)
    {
        Name = name;
        Description = description;
        Source = source;
        Model = model;
        Tools = tools;
        Conversations = conversations;
        IsPlan = isPlan;
    }

    /// <summary>The scenario's name.</summary>
    public string Name { get; }

    /// <summary>What it models.</summary>
    public string Description { get; }

    /// <summary>The file it was loaded from, or the name given to <see cref="ScenarioLoader.Parse"/>.</summary>
    public string Source { get; }

    /// <summary>Whether the first turn of its single conversation is an LLMCompiler plan, which <see cref="ExecutionStrategy.Plan"/> runs.</summary>
    public bool IsPlan { get; }

    /// <summary>Whether a tool of the scenario has a hidden capacity (<c>overload</c>): the harness runs it over widths (<c>toolflow bench --caps</c>).</summary>
    public bool HasOverload => Tools.Values.Any(t => t.Overload is not null);

    /// <summary>The names of the scenario's tools: what a node that runs its tools' bodies must host.</summary>
    public IEnumerable<string> ToolNames => Tools.Keys;

    /// <summary>The model's speed.</summary>
    internal ScenarioModel Model { get; }

    /// <summary>The tools by name.</summary>
    internal IReadOnlyDictionary<string, ScenarioTool> Tools { get; }

    /// <summary>The conversations, run at once.</summary>
    internal IReadOnlyList<ScenarioConversation> Conversations { get; }
}
