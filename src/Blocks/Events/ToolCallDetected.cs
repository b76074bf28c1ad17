namespace ToolFlow.Blocks;

/// <summary>The model began a tool call; its name is known and its arguments may still be streaming.</summary>
/// <param name="CallId">The call id.</param>
/// <param name="Name">The tool name.</param>
/// <param name="Index">The call's position in the response, from 0.</param>
public sealed record ToolCallDetected(string CallId, string Name, int Index) : ToolPipelineEvent;
