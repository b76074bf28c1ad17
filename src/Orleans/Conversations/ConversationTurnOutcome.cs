namespace ToolFlow.Orleans;

/// <summary>What asking a conversation grain to start a turn did.</summary>
[GenerateSerializer]
public enum ConversationTurnOutcome
{
    /// <summary>The turn started.</summary>
    Started,

    /// <summary>A turn is running already; nothing changed.</summary>
    TurnRunning,

    /// <summary>The conversation does not exist (or is another owner's).</summary>
    NotFound,

    /// <summary>The pipeline factory refused the conversation's settings (<see cref="ConversationTurnResult.Detail"/> says why); nothing changed.</summary>
    InvalidSettings,
}
