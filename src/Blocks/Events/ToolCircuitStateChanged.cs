namespace ToolFlow.Blocks;

/// <summary>A tool's circuit breaker opened, half-opened for a trial call, or closed again.</summary>
/// <param name="ToolName">The tool.</param>
/// <param name="State">The new state: <c>open</c>, <c>half-open</c> or <c>closed</c>.</param>
public sealed record ToolCircuitStateChanged(string ToolName, string State) : ToolPipelineEvent;
