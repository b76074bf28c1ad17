namespace ToolFlow.ChatLoad;

/// <summary>What one SSE client saw, checked as it arrived.</summary>
public sealed class StreamOutcome
{
    /// <summary>The client's role.</summary>
    public required ClientRole Role { get; init; }

    /// <summary>The conversation.</summary>
    public required string ConversationId { get; init; }

    /// <summary>Events received, snapshots and <c>lagged</c> included.</summary>
    public int Events { get; set; }

    /// <summary>Snapshots received (the first, and one after each <c>lagged</c>).</summary>
    public int Snapshots { get; set; }

    /// <summary><c>lagged</c> events received.</summary>
    public int Lagged { get; set; }

    /// <summary>Events the server said it skipped, summed over every <c>lagged</c>.</summary>
    public long Skipped { get; set; }

    /// <summary><c>runCompleted</c> events received.</summary>
    public int RunsCompletedSeen { get; set; }

    /// <summary>Runs the conversation has completed, as far as this client knows (from snapshots and events).</summary>
    public int RunsCompleted { get; set; }

    /// <summary>The last event id the client holds (the last event's, or the last snapshot's).</summary>
    public long LastId { get; set; }

    /// <summary>
    /// Every broken rule, in words: an id that is not the one after the last (lost or reordered), a stream that does not
    /// start with a snapshot, a <c>lagged</c> not followed by a snapshot, an SSE id or type that disagrees with the data,
    /// a run that did not end, a request that failed.
    /// </summary>
    public List<string> Errors { get; } = [];

    /// <summary>Each live event's delivery lag in milliseconds: received by the client minus its <c>timestamp</c>.</summary>
    public List<double> LagsMs { get; } = [];
}
