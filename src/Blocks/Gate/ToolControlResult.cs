namespace ToolFlow.Blocks;

/// <summary>
/// What a control request on a running conversation did: cancelling a call, a branch or the turn, approving or
/// denying a call. Only <see cref="Applied"/> changed anything; every other value is an expected refusal, with nothing
/// changed, distinct so that a caller (an HTTP endpoint, for instance) can tell the cases apart.
/// </summary>
public enum ToolControlResult
{
    /// <summary>The request took effect.</summary>
    Applied,

    /// <summary>No call of this conversation has that id (yet): it was never closed, or belongs to another run.</summary>
    UnknownCall,

    /// <summary>The call (for a branch: every call of it) had already ended: completed, failed or cancelled.</summary>
    CallEnded,

    /// <summary>The call is under way but is not waiting for an approval (its tool needs none, or it has not reached the approval yet).</summary>
    NotAwaitingApproval,

    /// <summary>The call was approved already: approving it again or denying it now changes nothing.</summary>
    AlreadyApproved,

    /// <summary>The call was denied already: approving it now or denying it again changes nothing.</summary>
    AlreadyDenied,

    /// <summary>The turn was cancelled already.</summary>
    AlreadyCancelled,

    /// <summary>The run has ended, or is ending with its answer: there is no turn left to cancel.</summary>
    RunEnded,
}
