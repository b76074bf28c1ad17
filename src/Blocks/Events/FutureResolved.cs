using Microsoft.Extensions.AI;

namespace ToolFlow.Blocks;

/// <summary>
/// In futures mode, a call whose turn ended while it was still running has its outcome: <see cref="Result"/> replaces
/// the future placeholder the conversation held for it.
/// </summary>
/// <param name="Call">The call.</param>
/// <param name="Result">The result the model will now see in place of the placeholder.</param>
public sealed record FutureResolved(ToolCall Call, FunctionResultContent Result) : ToolPipelineEvent;
