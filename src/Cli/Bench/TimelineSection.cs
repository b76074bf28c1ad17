namespace ToolFlow.Cli.Bench;

/// <summary>One chart of a timeline page: a bench scenario (a lane per strategy) or a recorded run (one lane).</summary>
/// <param name="Name">The heading.</param>
/// <param name="Description">The line under it.</param>
/// <param name="LowerBoundMs">Where to draw the lower bound, if one is known.</param>
/// <param name="Lanes">The lanes, in order.</param>
internal sealed record TimelineSection(string Name, string Description, double? LowerBoundMs, IReadOnlyList<TimelineLane> Lanes);
