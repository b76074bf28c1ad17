namespace ToolFlow.Cli.Bench;

/// <summary>One lane of a timeline chart.</summary>
/// <param name="Label">The lane's title (untrusted text is escaped when drawn).</param>
/// <param name="EndMs">Where the lane ends, for the chart's width.</param>
/// <param name="Conversations">Its conversations, each drawn as a row of turns then a row per call.</param>
internal sealed record TimelineLane(string Label, double EndMs, IReadOnlyList<TimelineConversation> Conversations);
