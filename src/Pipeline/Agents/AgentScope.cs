using ToolFlow.Blocks;

namespace ToolFlow.Pipeline;

/// <summary>Where a sub-agent's run sits: its nesting depth, the deepest the tree above it allows, and the parent's executor.</summary>
/// <param name="Depth">1 for a child of a top-level run, 2 for a grandchild, and so on.</param>
/// <param name="DepthLimit">The deepest a run of this tree may be, as the runs above it allow: the lowest <see cref="ToolPipelineOptions.MaxAgentDepth"/> on the way down.</param>
/// <param name="Executor">The parent call's executor, which the run uses unless its pipeline names its own.</param>
internal sealed record AgentScope(int Depth, int DepthLimit, ToolExecutor? Executor);
