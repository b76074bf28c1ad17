using Microsoft.Extensions.AI;

namespace ToolFlow.Blocks;

/// <summary>
/// The turn is over: the response is parsed and every call has an outcome. <see cref="Messages"/> are what the
/// turn adds to the conversation: the assistant message, then a tool message whose
/// <see cref="FunctionResultContent"/> items are in call order.
/// </summary>
/// <param name="Messages">The messages the turn adds.</param>
/// <param name="Response">The parsed response.</param>
public sealed record TurnCompleted(IReadOnlyList<ChatMessage> Messages, ResponseCompleted Response) : ToolPipelineEvent
{
    /// <summary>In futures mode, the calls of this turn still running when it ended; their results are placeholders.</summary>
    public IReadOnlyList<string> PendingFutures { get; init; } = [];

    /// <summary>Whether the model asked for tools in this turn, so that another turn should follow.</summary>
    public bool HasToolCalls => Response.Calls.Count > 0;
}
