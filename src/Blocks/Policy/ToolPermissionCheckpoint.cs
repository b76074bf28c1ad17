namespace ToolFlow.Blocks;

/// <summary>When a <see cref="IToolPermissionPolicy"/> is asked about a call.</summary>
public enum ToolPermissionCheckpoint
{
    /// <summary>Before the call's tool body starts: a refusal fails the call as <see cref="ToolCallFailureKind.PermissionDenied"/>.</summary>
    Dispatch,

    /// <summary>When the result arrives, before it may enter the conversation: a refusal quarantines it.</summary>
    Result,
}
