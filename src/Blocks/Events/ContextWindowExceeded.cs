namespace ToolFlow.Blocks;

/// <summary>
/// The next request would not fit the model's context window, so it was not sent and the run ends. The conversation
/// holds every turn before it.
/// </summary>
/// <param name="Tokens">The request's tokens as counted (messages, their overhead, and the room kept for the answer).</param>
/// <param name="ContextWindowTokens">The model's context window.</param>
public sealed record ContextWindowExceeded(int Tokens, int ContextWindowTokens) : ToolPipelineEvent;
