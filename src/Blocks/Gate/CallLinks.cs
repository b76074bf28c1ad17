using System.Text.Json;

namespace ToolFlow.Blocks;

/// <summary>
/// The part of a <see cref="CallState"/> most calls never have, made the first time one of its fields is set. Guarded
/// by the gate's lock, as the entry is.
/// </summary>
internal sealed class CallLinks
{
    public ToolCallWaitReason? ReportedWait { get; set; }

    public IReadOnlyList<ToolReference>? References { get; set; }

    public HashSet<CallState>? WaitingOn { get; set; }

    public Dictionary<(bool Future, string Target), CallState>? Targets { get; set; }

    public List<CallState>? Dependents { get; set; }

    public List<CallState>? Followers { get; set; }

    public ToolCallFailureKind FailureKind { get; set; }

    public string? FailureMessage { get; set; }

    /// <summary>The result as references read it (boxed: a reference reads few calls' results).</summary>
    public JsonElement? ResultJson { get; set; }
}
