namespace ToolFlow.Orleans;

/// <summary>A tool call sent to a worker silo.</summary>
/// <param name="ToolName">The tool, as the worker's <see cref="ToolWorkerRegistry"/> names it.</param>
/// <param name="ArgumentsJson">The call's arguments as a JSON object.</param>
/// <param name="IdempotencyKey">
/// The key the body reads from <see cref="ToolFlow.Blocks.ToolIdempotency.CurrentKey"/> on the worker, the same on every
/// re-run of the call; <see langword="null"/> for none.
/// </param>
/// <param name="Timeout">
/// The attempt's own deadline, from when the worker receives it; the worker cancels the body past it even when the
/// caller's cancellation never arrives (the caller's silo died). <see langword="null"/> for none.
/// </param>
[GenerateSerializer]
[Immutable]
public sealed record RemoteToolRequest(
    [property: Id(0)] string ToolName,
    [property: Id(1)] string ArgumentsJson,
    [property: Id(2)] string? IdempotencyKey = null,
    [property: Id(3)] TimeSpan? Timeout = null);
