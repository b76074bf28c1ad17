using Microsoft.Extensions.AI;

namespace ToolFlow.Blocks;

/// <summary>
/// The Gate and Execute stages of a conversation. Each closed call waits only for what it truly needs (the results
/// it refers to, the clean end of its response for side-effecting tools, an approval), then runs on a
/// <see cref="ToolExecutor"/> under the global, per-conversation and per-tool caps, with the tool's timeout, retries
/// and circuit breaker. Offers <see cref="ToolCallStarted"/>, the tool's <see cref="ToolCallProgressed"/> reports (see
/// <see cref="ToolProgress"/>; at most one per <see cref="ToolExecutionBlockOptions.MinProgressInterval"/>), then exactly
/// one of <see cref="ToolCallCompleted"/> or <see cref="ToolCallFailed"/> per call, in the order things happen. A
/// tool's exception, an unknown tool, invalid arguments and a cancellation are outcomes, never faults. A tool body that
/// goes on after its call timed out or was cancelled keeps its slot until it returns; past
/// <see cref="ToolExecutionBlockOptions.OverrunGracePeriod"/> it offers <see cref="ToolCallBodyOverran"/> (and
/// <see cref="ToolCallBodyReturned"/> when it returns), and the block's completion no longer waits for it.
/// </summary>
/// <remarks>
/// Passes every event through before acting on it. Dispatch is driven by events (a call closing, a result arriving,
/// a response ending, an approval): a call whose last dependency completes starts in the same instant, with no
/// polling. A thin shell: the call table and its lock are the internal gate (Gate/CallGate.cs), running calls is
/// the internal invoker (Execute/CallInvoker.cs); every member here forwards to them.
/// </remarks>
public sealed class ToolExecutionBlock : ToolEventBlock<ToolPipelineEvent>
{
    private readonly Dictionary<string, ToolDescriptor> _tools = new(StringComparer.Ordinal);
    private readonly CallGate _gate;

    /// <summary>Initializes the block with tools that are side-effecting unless described otherwise.</summary>
    /// <param name="tools">The tools calls may name; each becomes a <see cref="ToolDescriptor"/> with <see cref="ToolEffects.SideEffecting"/>.</param>
    /// <param name="options">Caps, timing, executor, clock and scheduler, or <see langword="null"/> for the defaults.</param>
    public ToolExecutionBlock(IEnumerable<AIFunction> tools, ToolExecutionBlockOptions? options = null)
        : this((tools ?? throw new ArgumentNullException(nameof(tools))).Select(static t => new ToolDescriptor(t)), options)
    {
    }

    /// <summary>Initializes the block.</summary>
    /// <param name="tools">The tools calls may name, with their effects and policies.</param>
    /// <param name="options">Caps, timing, executor, clock and scheduler, or <see langword="null"/> for the defaults.</param>
    public ToolExecutionBlock(IEnumerable<ToolDescriptor> tools, ToolExecutionBlockOptions? options = null)
        : base((options ?? new ToolExecutionBlockOptions()).Clone())
    {
        ArgumentNullException.ThrowIfNull(tools);
        foreach (ToolDescriptor tool in tools)
        {
            if (!_tools.TryAdd(tool.Name, tool))
            {
                throw new ArgumentException($"Two tools are named '{tool.Name}'; tool names must be unique.", nameof(tools));
            }
        }

        _gate = new CallGate(this, _tools, (ToolExecutionBlockOptions)Options);
    }

    /// <summary>The tools this block runs, by name.</summary>
    public IReadOnlyDictionary<string, ToolDescriptor> Tools => _tools;

    /// <summary>
    /// The executor whose slots the block's calls take: <see cref="ToolExecutionBlockOptions.Executor"/>, or the block's
    /// own. Its <see cref="ToolExecutor.Running"/> and <see cref="ToolExecutor.OverrunningBodies"/> show what runs now.
    /// </summary>
    public ToolExecutor Executor => _gate.Invoker.Executor;

    /// <summary>
    /// Cancels one call: a waiting or queued call never starts; a running call's token is cancelled and its late
    /// result is recorded as stale (<see cref="ToolResultDiscarded"/>). Calls that depend on it are cancelled too.
    /// </summary>
    /// <param name="callId">The call.</param>
    /// <returns>Whether the call was still under way.</returns>
    public bool CancelCall(string callId)
    {
        ArgumentNullException.ThrowIfNull(callId);
        return _gate.CancelCall(callId) == ToolControlResult.Applied;
    }

    /// <summary>Cancels a call and every call that depends on it, directly or not, even if the call itself has ended.</summary>
    /// <param name="callId">The root of the branch.</param>
    /// <returns>How many calls were cancelled.</returns>
    public int CancelBranch(string callId)
    {
        ArgumentNullException.ThrowIfNull(callId);
        return Math.Max(0, _gate.CancelBranch(callId));
    }

    /// <summary>
    /// Approves a call waiting for approval (<see cref="ToolCallApprovalRequested"/>), from any thread: it moves on
    /// at once. Calls wait for such a decision when <see cref="ToolExecutionBlockOptions.ExternalApproval"/> is set;
    /// the first decision, this or the <see cref="ToolExecutionBlockOptions.ApprovalHandler"/>'s, wins.
    /// </summary>
    /// <param name="callId">The call.</param>
    /// <returns><see cref="ToolControlResult.Applied"/>, or why nothing changed (unknown call, ended, not waiting, decided already).</returns>
    public ToolControlResult Approve(string callId)
    {
        ArgumentNullException.ThrowIfNull(callId);
        return _gate.Decide(callId, approved: true, reason: null);
    }

    /// <summary>
    /// Denies a call waiting for approval, from any thread: it fails as <see cref="ToolCallFailureKind.Rejected"/>,
    /// and the calls that depend on it fail with it.
    /// </summary>
    /// <param name="callId">The call.</param>
    /// <param name="reason">Why, added to what the model and the caller are told; <see langword="null"/> for nothing.</param>
    /// <returns><see cref="ToolControlResult.Applied"/>, or why nothing changed (unknown call, ended, not waiting, decided already).</returns>
    public ToolControlResult Deny(string callId, string? reason = null)
    {
        ArgumentNullException.ThrowIfNull(callId);
        return _gate.Decide(callId, approved: false, reason);
    }

    /// <summary>The gate, for a pipeline run's handle, whose answers say more than this block's public members.</summary>
    internal CallGate Gate => _gate;

    private protected override Task HandleAsync(ToolPipelineEvent message)
    {
        Forward(message);
        switch (message)
        {
            case ToolCallClosed closed:
                _gate.OnClosed(closed.Call);
                break;
            case ResponseCompleted response:
                _gate.OnResponseCompleted(response);
                break;
        }

        return Task.CompletedTask;
    }

    private protected override Task OnInputCompletedAsync() => _gate.OnInputCompleted();
}
