using Microsoft.Extensions.AI;

namespace ToolFlow.Blocks;

/// <summary>The model's response stream for a turn ended, cleanly or not.</summary>
/// <param name="FinishReason">The finish reason the model reported, if any.</param>
/// <param name="Usage">Token usage, when reported.</param>
/// <param name="Error">The failure that ended the stream, or <see langword="null"/> when it ended cleanly.</param>
public sealed record ModelStreamEnded(ChatFinishReason? FinishReason, UsageDetails? Usage, Exception? Error) : ToolPipelineEvent;
