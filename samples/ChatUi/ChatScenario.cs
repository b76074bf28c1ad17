using ToolFlow.Pipeline;

namespace ToolFlow.Samples.ChatUi;

/// <summary>A conversation the page offers in its scenario picker: how each turn's pipeline is configured.</summary>
public sealed class ChatScenario
{
    /// <summary>The name the page sends in the conversation's <c>scenario</c> setting.</summary>
    public required string Name { get; init; }

    /// <summary>What the picker shows.</summary>
    public required string Title { get; init; }

    /// <summary>The first message the page suggests (a scripted model answers whatever is sent).</summary>
    public string Prompt { get; init; } = string.Empty;

    /// <summary>
    /// Configures the pipeline of one turn: the model and tools, the clock and the mode. Called once per user message;
    /// the sample builds the builder it returns.
    /// </summary>
    public required Func<ChatScenarioTurn, ToolPipelineBuilder> CreateBuilder { get; init; }
}
