namespace ToolFlow.Blocks;

/// <summary>Why a tool's adaptive concurrency limit moved.</summary>
public enum ToolConcurrencyLimitReason
{
    /// <summary>Calls succeeded with the width in use: it grew.</summary>
    Succeeded,

    /// <summary>A call was rate limited (<see cref="ToolRateLimitedException"/>, HTTP 429 or 503): it fell.</summary>
    RateLimited,

    /// <summary>An attempt ran past the tool's timeout: it fell.</summary>
    TimedOut,

    /// <summary>An attempt took far longer than the tool's long-term latency: it fell.</summary>
    LatencyRose,
}
