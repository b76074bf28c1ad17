namespace ToolFlow.Orleans;

/// <summary>A tool call sent to a worker silo.</summary>
/// <param name="ToolName">The tool, as the worker's <see cref="ToolWorkerRegistry"/> names it.</param>
/// <param name="ArgumentsJson">The call's arguments as a JSON object.</param>
[GenerateSerializer]
[Immutable]
public sealed record RemoteToolRequest(
    [property: Id(0)] string ToolName,
    [property: Id(1)] string ArgumentsJson);
