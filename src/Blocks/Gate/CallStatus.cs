namespace ToolFlow.Blocks;

/// <summary>Where a call is in the execution block: it moves down this list, never back up (but see <see cref="Following"/>).</summary>
internal enum CallStatus
{
    /// <summary>In the gate: waiting for its dependencies, the end of its response, or nothing yet.</summary>
    Waiting,

    /// <summary>In the gate: the approver has it.</summary>
    AwaitingApproval,

    /// <summary>In the gate: free to run, its permission policy is being asked (<see cref="PermissionCheck"/>).</summary>
    CheckingPermission,

    /// <summary>Handed to the invoker: in a pending batch or the executor's queue.</summary>
    Queued,

    /// <summary>Waits for an identical call's outcome; back to <see cref="Waiting"/> if that call is cancelled.</summary>
    Following,

    /// <summary>Its tool is running.</summary>
    Running,

    /// <summary>Ended with a result.</summary>
    Completed,

    /// <summary>Ended without one (including cancelled calls, whose late result, if any, is stale).</summary>
    Failed,
}
