namespace ToolFlow.Orleans;

/// <summary>What <see cref="IConversationGrain.StartTurnAsync"/> did.</summary>
/// <param name="Outcome">Started, or why not.</param>
/// <param name="Detail">For <see cref="ConversationTurnOutcome.InvalidSettings"/>, the factory's message.</param>
[GenerateSerializer]
[Immutable]
public sealed record ConversationTurnResult(
    [property: Id(0)] ConversationTurnOutcome Outcome,
    [property: Id(1)] string? Detail = null);
