using System.Text.Json;

namespace ToolFlow.Blocks;

/// <summary>
/// A call's entry in the <see cref="CallGate"/>'s table: what the conversation keeps for its life (the call, its
/// status, its outcome, its dedup hash, the calls tied to it), for later references and identical calls. Guarded by
/// the gate's lock. What only a call under way needs (its work item, token, execution context, progress, attempt) is
/// its <see cref="Run"/>, let go of when the call ends, so what lives on is small and the rest dies young.
/// </summary>
/// <remarks>
/// What most calls never have (references, the calls tied to them, a wait reported, a failure, a result read as JSON)
/// lives in <see cref="CallLinks"/>, made the first time one is set: the entry every call keeps for the
/// conversation's life is one reference instead of nine fields, which each collection copies less. The instant it
/// started is its run's, read before the call ends.
/// </remarks>
internal sealed class CallState(ToolCall call)
{
    private CallLinks? _links;

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

    /// <summary>Its in-flight state, from close to end; <see langword="null"/> once it has ended (a task still running keeps its own).</summary>
    public CallRun? Run { get; set; }

    /// <summary>When it started running or following (the <see cref="TimeProvider"/>'s timestamp): kept by its run, read before the call ends.</summary>
    public long StartedAt
    {
        get => Run!.StartedAt;
        set => Run!.StartedAt = value;
    }

    public object? Result { get; set; }

    public ulong ArgumentsHash { get; set; }

    /// <summary>Whether its side object has been made (for tests: a plain call never makes one).</summary>
    public bool HasLinks => _links is not null;

    public ToolCallWaitReason? ReportedWait
    {
        get => _links?.ReportedWait;
        set { if (value is not null || _links is not null) { Links.ReportedWait = value; } }
    }

    public IReadOnlyList<ToolReference> References
    {
        get => _links?.References ?? [];
        set { if (value.Count > 0 || _links is not null) { Links.References = value; } }
    }

    /// <summary>The calls it still waits for; <see langword="null"/> until it waits for one.</summary>
    public HashSet<CallState>? WaitingOn
    {
        get => _links?.WaitingOn;
        set { if (value is not null || _links is not null) { Links.WaitingOn = value; } }
    }

    /// <summary>The call each reference is bound to: (is a future, target).</summary>
    public Dictionary<(bool Future, string Target), CallState>? Targets
    {
        get => _links?.Targets;
        set { if (value is not null || _links is not null) { Links.Targets = value; } }
    }

    public List<CallState>? Dependents
    {
        get => _links?.Dependents;
        set { if (value is not null || _links is not null) { Links.Dependents = value; } }
    }

    public List<CallState>? Followers
    {
        get => _links?.Followers;
        set { if (value is not null || _links is not null) { Links.Followers = value; } }
    }

    /// <summary>Why it failed; meaningful once <see cref="Status"/> is <see cref="CallStatus.Failed"/>.</summary>
    public ToolCallFailureKind FailureKind
    {
        get => _links?.FailureKind ?? default;
        set { if (value != default || _links is not null) { Links.FailureKind = value; } }
    }

    public string? FailureMessage
    {
        get => _links?.FailureMessage;
        set { if (value is not null || _links is not null) { Links.FailureMessage = value; } }
    }

    /// <summary>The result as references read it, converted the first time a reference reads it.</summary>
    public JsonElement? ResultJson => Status == CallStatus.Completed ? (Links.ResultJson ??= ToolCallReferences.ToJson(Result)) : null;

    // Made on the first write of something; a write of nothing to a call without links makes none.
    private CallLinks Links => _links ??= new CallLinks();
}
