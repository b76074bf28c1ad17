using ToolFlow.Blocks;

namespace ToolFlow.Orleans;

/// <summary>What a control did.</summary>
/// <param name="Result">Applied, or why nothing changed.</param>
/// <param name="Cancelled">For a branch, how many calls it cancelled.</param>
[GenerateSerializer]
[Immutable]
public sealed record ConversationControlResult(
    [property: Id(0)] ToolControlResult Result,
    [property: Id(1)] int Cancelled = 0);
