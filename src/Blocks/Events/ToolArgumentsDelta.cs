namespace ToolFlow.Blocks;

/// <summary>A fragment of a detected call's arguments text.</summary>
/// <param name="CallId">The call id.</param>
/// <param name="Index">The call's position in the response.</param>
/// <param name="Fragment">The text.</param>
public sealed record ToolArgumentsDelta(string CallId, int Index, string Fragment) : ToolPipelineEvent;
