namespace ToolFlow.Cli.Calls;

/// <summary>What an event changed in a call's row.</summary>
internal enum CallChange
{
    /// <summary>More of the arguments streamed in.</summary>
    Arguments,

    /// <summary>The arguments are complete.</summary>
    Closed,

    /// <summary>The state changed, or what the state says (why it waits, which attempt, the outcome, a late result).</summary>
    State,

    /// <summary>The tool reported progress.</summary>
    Progress,
}
