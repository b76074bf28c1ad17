using System.Text.Json;

namespace ToolFlow.Blocks;

/// <summary>
/// A call's entry in the <see cref="CallGate"/>'s table: what the conversation keeps for its life (the call, its
/// status, its outcome, its dedup hash, the calls tied to it), for later references and identical calls. Guarded by
/// the gate's lock. What only a call under way needs (its work item, token, execution context, progress, attempt) is
/// its <see cref="Run"/>, let go of when the call ends, so what lives on is small and the rest dies young.
/// </summary>
internal sealed class CallState(ToolCall call)
{
    public ToolCall Call { get; set; } = call;

    /// <summary>The tool it names; set once the call is admitted.</summary>
    public ToolDescriptor? Tool { get; set; }

    public CallStatus Status { get; set; }

    public bool WaitsForResponse { get; set; }

    public bool Approved { get; set; }

    /// <summary>Whether an approver denied it (so a later decision is reported as too late).</summary>
    public bool Denied { get; set; }

    /// <summary>Whether <see cref="ArgumentsHash"/> (its arguments' and tool's) is its key in the gate's dedup table.</summary>
    public bool Hashed { get; set; }

    public ToolCallWaitReason? ReportedWait { get; set; }

    public IReadOnlyList<ToolReference> References { get; set; } = [];

    /// <summary>The calls it still waits for; <see langword="null"/> until it waits for one.</summary>
    public HashSet<CallState>? WaitingOn { get; set; }

    /// <summary>The call each reference is bound to: (is a future, target).</summary>
    public Dictionary<(bool Future, string Target), CallState>? Targets { get; set; }

    public List<CallState>? Dependents { get; set; }

    /// <summary>Its in-flight state, from close to end; <see langword="null"/> once it has ended (a task still running keeps its own).</summary>
    public CallRun? Run { get; set; }

    public long StartedAt { get; set; }

    /// <summary>The result as references read it, converted the first time a reference reads it.</summary>
    public JsonElement? ResultJson => Status == CallStatus.Completed ? (JsonElement)(_resultJson ??= ToolCallReferences.ToJson(Result)) : null;

    // Boxed, as few calls are ever referred to: a JsonElement? field would cost every call 24 bytes.
    private object? _resultJson;

    public object? Result { get; set; }

    public ulong ArgumentsHash { get; set; }

    public List<CallState>? Followers { get; set; }

    /// <summary>Why it failed; meaningful once <see cref="Status"/> is <see cref="CallStatus.Failed"/>.</summary>
    public ToolCallFailureKind FailureKind { get; set; }

    public string? FailureMessage { get; set; }
}
