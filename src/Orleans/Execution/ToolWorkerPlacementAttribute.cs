using Orleans.Placement;

namespace ToolFlow.Orleans;

/// <summary>Marks a grain class as placed by <see cref="ToolWorkerPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
internal sealed class ToolWorkerPlacementAttribute() : PlacementAttribute(ToolWorkerPlacement.Instance);
