namespace ToolFlow.AspNetCore;

/// <summary>What a call route asks of a call.</summary>
internal enum ChatCallControl
{
    Cancel,
    CancelBranch,
    Approve,
    Deny,
}
