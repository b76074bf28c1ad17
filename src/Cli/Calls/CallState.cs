namespace ToolFlow.Cli.Calls;

/// <summary>Where a tool call stands, as the terminal views show it.</summary>
internal enum CallState
{
    /// <summary>The model began the call; its arguments may still be streaming.</summary>
    Detected,

    /// <summary>The call is complete but may not start yet (<see cref="CallRow.WaitReason"/> says why).</summary>
    Waiting,

    /// <summary>A tool is running the call.</summary>
    Running,

    /// <summary>The call returned a result.</summary>
    Done,

    /// <summary>The call ended without a result: the tool threw or timed out, the tool or a reference was unknown, ...</summary>
    Failed,

    /// <summary>The call was cancelled, denied (by an approver or a permission policy), or never run because its response ended badly.</summary>
    Cancelled,

    /// <summary>The call ran, but its permission was revoked before its result arrived: the result was withheld from the model.</summary>
    Quarantined,
}
