namespace ToolFlow.Blocks;

/// <summary>A tool's adaptive concurrency limit (<see cref="ToolDescriptor.AdaptiveConcurrency"/>) moved to a new whole value.</summary>
/// <param name="ToolName">The tool.</param>
/// <param name="OldLimit">The limit before.</param>
/// <param name="NewLimit">The limit now.</param>
/// <param name="Reason">What moved it.</param>
/// <remarks>Reported in the stream of the conversation whose call moved it, and only when the whole value changes.</remarks>
public sealed record ToolConcurrencyLimitChanged(string ToolName, int OldLimit, int NewLimit, ToolConcurrencyLimitReason Reason) : ToolPipelineEvent;
