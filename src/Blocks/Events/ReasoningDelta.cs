namespace ToolFlow.Blocks;

/// <summary>A piece of the model's reasoning text.</summary>
/// <param name="Text">The text.</param>
public sealed record ReasoningDelta(string Text) : ToolPipelineEvent;
