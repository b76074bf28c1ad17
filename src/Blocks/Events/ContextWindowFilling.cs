namespace ToolFlow.Blocks;

/// <summary>
/// The conversation about to be sent has passed the warning share of the model's context window (once per run): the
/// run goes on, but few turns may be left. Raised by a pipeline with a context window set.
/// </summary>
/// <param name="Tokens">The request's tokens as counted (messages, their overhead, and the room kept for the answer).</param>
/// <param name="ContextWindowTokens">The model's context window.</param>
/// <param name="WarningRatio">The share of the window past which this is raised.</param>
public sealed record ContextWindowFilling(int Tokens, int ContextWindowTokens, double WarningRatio) : ToolPipelineEvent;
