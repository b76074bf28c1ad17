using ToolFlow.Profiling;

namespace ToolFlow.Cli.Bench;

/// <summary>One conversation's turns and calls, in milliseconds from the chart's start.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Turns">Its turns.</param>
/// <param name="Calls">Its calls, one row each.</param>
internal sealed record TimelineConversation(string Name, IReadOnlyList<TurnTiming> Turns, IReadOnlyList<CallTiming> Calls);
