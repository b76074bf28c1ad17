namespace ToolFlow.Orleans;

/// <summary>What <see cref="IConversationGrain.ControlAsync"/> does.</summary>
[GenerateSerializer]
public enum ConversationControl
{
    /// <summary>Cancels the running turn.</summary>
    CancelTurn,

    /// <summary>Cancels a call.</summary>
    CancelCall,

    /// <summary>Cancels a call and the calls that depend on it.</summary>
    CancelBranch,

    /// <summary>Approves a call waiting for approval.</summary>
    Approve,

    /// <summary>Denies a call waiting for approval.</summary>
    Deny,
}
