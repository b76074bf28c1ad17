using Microsoft.Extensions.AI;

namespace ToolFlow.Blocks;

/// <summary>One raw streaming update from the model. The parser consumes these and emits what they mean.</summary>
/// <param name="Update">The update as the chat client produced it.</param>
public sealed record ModelUpdateReceived(ChatResponseUpdate Update) : ToolPipelineEvent;
