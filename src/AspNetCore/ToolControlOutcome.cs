using ToolFlow.Blocks;

namespace ToolFlow.AspNetCore;

/// <summary>What a control did, and for a branch how many calls it cancelled.</summary>
internal readonly record struct ToolControlOutcome(ToolControlResult Result, int Cancelled = 0);
