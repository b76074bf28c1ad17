using ToolFlow.Blocks;

namespace ToolFlow.Cli.Tests.Calls;

/// <summary>Events stamped as the mesh would stamp them, at a time after a fixed start.</summary>
internal static class Events
{
    public static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The event at <paramref name="ms"/> milliseconds after <see cref="Start"/>, in turn 1.</summary>
    public static T At<T>(double ms, T @event)
        where T : ToolPipelineEvent => @event with { Timestamp = Start.AddMilliseconds(ms), Turn = 1 };
}
