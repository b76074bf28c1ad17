using Microsoft.Extensions.AI;

namespace ToolFlow.Blocks;

/// <summary>A request was sent to the model for a new turn.</summary>
/// <param name="Messages">The conversation sent, including every earlier turn's results.</param>
public sealed record TurnStarted(IReadOnlyList<ChatMessage> Messages) : ToolPipelineEvent;
