namespace ToolFlow.AspNetCore;

/// <summary>One tool call of a conversation's snapshot.</summary>
/// <param name="CallId">The call's id, as the call routes take it.</param>
/// <param name="Name">The tool.</param>
/// <param name="Turn">The model turn that made the call.</param>
/// <param name="Index">Its index in that turn's response.</param>
/// <param name="State">
/// <c>detected</c>, <c>waiting</c>, <c>awaitingApproval</c>, <c>running</c>, <c>done</c>, <c>failed</c>,
/// <c>cancelled</c> or <c>denied</c>.
/// </param>
/// <param name="Arguments">The argument text so far (raw JSON text).</param>
/// <param name="DetectedAt">When the model began the call.</param>
public sealed record ToolPipelineChatCall(string CallId, string Name, int Turn, int Index, string State, string Arguments, DateTimeOffset DetectedAt)
{
    /// <summary>Why the call waits (<c>dependencies</c>, <c>responseEnd</c>, <c>approval</c>), while it does.</summary>
    public string? WaitReason { get; init; }

    /// <summary>The calls whose results it waits for.</summary>
    public IReadOnlyList<string> DependsOn { get; init; } = [];

    /// <summary>The last progress reported.</summary>
    public double? Progress { get; init; }

    /// <summary>The total the progress counts to, if known.</summary>
    public double? Total { get; init; }

    /// <summary>The message of the last progress report.</summary>
    public string? ProgressMessage { get; init; }

    /// <summary>How long the tool ran, once it ended.</summary>
    public double? DurationMs { get; init; }

    /// <summary>The start of the result, at most <see cref="ToolPipelineChatOptions.ResultPreviewLength"/> characters.</summary>
    public string? ResultPreview { get; init; }

    /// <summary>Why it failed, was cancelled or denied.</summary>
    public string? Error { get; init; }

    /// <summary>When the tool started.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>When the call ended.</summary>
    public DateTimeOffset? EndedAt { get; init; }
}
