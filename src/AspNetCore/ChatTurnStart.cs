namespace ToolFlow.AspNetCore;

/// <summary>What asking a conversation to start a turn did.</summary>
internal enum ChatTurnStart
{
    Started,
    TurnRunning,

    // The hub was let go of meanwhile: find the conversation again and ask that hub.
    Retired,

    // The conversation was deleted meanwhile.
    NotFound,
}
