namespace ToolFlow.Blocks;

/// <summary>
/// What a pipeline's ledger needs from the executor (internal: the pipeline sets it through
/// <see cref="ToolExecutionBlockOptions.CallHook"/>): a say before a call's body starts, and each attempt's start and end.
/// </summary>
/// <remarks>Called outside the gate's lock, on the call's own flow; a hook must not block.</remarks>
internal interface IToolCallHook
{
    /// <summary>
    /// Before the body of a started call: may take its outcome from elsewhere (a resumed run's record) instead of
    /// running it, and gives the idempotency key the body runs with. Awaited, so a hook may make the call's start
    /// durable first.
    /// </summary>
    ValueTask<ToolCallHookDecision> BeforeBodyAsync(ToolCall call, ToolDescriptor tool, CancellationToken cancellationToken);

    /// <summary>An attempt of the call's body is starting.</summary>
    void OnAttemptStarted(ToolCall call, int attempt);

    /// <summary>An attempt ended; <paramref name="error"/> is what it threw, or <see langword="null"/>.</summary>
    void OnAttemptEnded(ToolCall call, int attempt, Exception? error);
}
