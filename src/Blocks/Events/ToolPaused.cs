namespace ToolFlow.Blocks;

/// <summary>A tool was rate limited: none of its calls starts before <see cref="Until"/>, on any conversation of its executor.</summary>
/// <param name="ToolName">The tool.</param>
/// <param name="Until">When its calls may start again, on the executor's clock.</param>
/// <param name="RetryAfter">The wait the service named, or <see cref="ToolRateLimitedException.DefaultRetryAfter"/>.</param>
public sealed record ToolPaused(string ToolName, DateTimeOffset Until, TimeSpan RetryAfter) : ToolPipelineEvent;
