namespace ToolFlow.Orleans;

/// <summary>
/// Places a tool call's grain on an active silo that hosts its tool (<see cref="ToolWorkerPlacementDirector"/>),
/// never on one that does not.
/// </summary>
[GenerateSerializer]
[Immutable]
internal sealed class ToolWorkerPlacement : PlacementStrategy
{
    public static ToolWorkerPlacement Instance { get; } = new();
}
