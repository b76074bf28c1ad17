namespace ToolFlow.Blocks;

/// <summary>
/// How a side-effecting tool reads the idempotency key of the call it is running, to pass on to the service it acts
/// on (an HTTP <c>Idempotency-Key</c> header, a unique request id), so that the action happens at most once even if
/// the call runs again after its run was interrupted and resumed.
/// </summary>
/// <remarks>
/// A pipeline with a ledger gives every call of a side-effecting tool a key derived from the run's id and the call's
/// identity (its turn, tool, canonical arguments and occurrence), the same on the first run and on every resume. A
/// tool that uses it says so with <see cref="ToolDescriptor.HonorsIdempotencyKeys"/>: a resume then runs it again
/// with the same key when it was under way at the crash, instead of reporting its outcome as unknown.
/// </remarks>
public static class ToolIdempotency
{
    private static readonly AsyncLocal<string?> s_current = new();

    /// <summary>
    /// The running call's idempotency key, or <see langword="null"/> outside a call, for a tool that is read-only or
    /// idempotent, or when the pipeline has no ledger.
    /// </summary>
    public static string? CurrentKey => s_current.Value;

    /// <summary>
    /// Sets the key for the rest of the calling async method and what it calls (the call's body). The execution block
    /// sets it around each attempt; a host that runs a call's body itself (a worker node running a call sent from
    /// another) sets the key the call carries.
    /// </summary>
    /// <param name="key">The call's key, or <see langword="null"/> for none.</param>
    public static void Enter(string? key) => s_current.Value = key;
}
