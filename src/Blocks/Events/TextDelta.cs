namespace ToolFlow.Blocks;

/// <summary>A piece of assistant text, outside any tool call.</summary>
/// <param name="Text">The text.</param>
public sealed record TextDelta(string Text) : ToolPipelineEvent;
