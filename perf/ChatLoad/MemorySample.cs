namespace ToolFlow.ChatLoad;

/// <summary>The process's memory at one moment.</summary>
/// <param name="ManagedHeapBytes">The managed heap after a full collection (<see cref="GC.GetTotalMemory(bool)"/>).</param>
/// <param name="WorkingSetBytes">The process's working set.</param>
public sealed record MemorySample(long ManagedHeapBytes, long WorkingSetBytes);
