namespace ToolFlow.Blocks;

/// <summary>What <see cref="IToolCallHook.BeforeBodyAsync"/> decided for a call.</summary>
internal readonly record struct ToolCallHookDecision
{
    /// <summary>Run the body, with this key in <see cref="ToolIdempotency.CurrentKey"/>.</summary>
    public static ToolCallHookDecision Run(string? idempotencyKey) => new() { IdempotencyKey = idempotencyKey };

    /// <summary>Do not run the body: the call completes with this result.</summary>
    public static ToolCallHookDecision Replay(object? result) => new() { Replayed = true, Result = result };

    /// <summary>Do not run the body: the call fails.</summary>
    public static ToolCallHookDecision Fail(ToolCallOutcomeException failure) => new() { Failure = failure };

    public string? IdempotencyKey { get; private init; }

    public bool Replayed { get; private init; }

    public object? Result { get; private init; }

    public ToolCallOutcomeException? Failure { get; private init; }
}
