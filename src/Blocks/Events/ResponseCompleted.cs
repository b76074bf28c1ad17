using Microsoft.Extensions.AI;

namespace ToolFlow.Blocks;

/// <summary>The model's response for the turn is fully parsed.</summary>
/// <param name="Message">The assistant message: its text, then one <see cref="FunctionCallContent"/> per call, in call order.</param>
/// <param name="Calls">The calls of the response, in call order.</param>
/// <param name="FinishReason">The model's finish reason, if reported.</param>
/// <param name="Usage">Token usage, if reported.</param>
/// <param name="Error">The failure that ended the model's stream, if any.</param>
public sealed record ResponseCompleted(
    ChatMessage Message,
    IReadOnlyList<ToolCall> Calls,
    ChatFinishReason? FinishReason,
    UsageDetails? Usage,
    Exception? Error) : ToolPipelineEvent;
