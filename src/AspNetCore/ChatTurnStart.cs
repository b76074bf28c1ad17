namespace ToolFlow.AspNetCore;

/// <summary>What asking a hub to start a turn did.</summary>
internal enum ChatTurnStart
{
    Started,
    TurnRunning,

    // The hub was let go of meanwhile: find the conversation again and ask that hub.
    Retired,
}
