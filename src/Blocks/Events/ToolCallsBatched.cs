namespace ToolFlow.Blocks;

/// <summary>Calls to a batchable tool that were ready together go out as one invocation.</summary>
/// <param name="ToolName">The tool.</param>
/// <param name="CallIds">The calls in the batch, in the order their results are expected.</param>
public sealed record ToolCallsBatched(string ToolName, IReadOnlyList<string> CallIds) : ToolPipelineEvent;
