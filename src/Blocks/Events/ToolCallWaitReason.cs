namespace ToolFlow.Blocks;

/// <summary>What a closed call waits for before it may start.</summary>
public enum ToolCallWaitReason
{
    /// <summary>The results of calls its arguments refer to.</summary>
    Dependencies,

    /// <summary>The clean end of its response (side-effecting tools, or the after-response baseline).</summary>
    ResponseEnd,

    /// <summary>An approval.</summary>
    Approval,
}
