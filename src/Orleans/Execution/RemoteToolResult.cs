namespace ToolFlow.Orleans;

/// <summary>What a worker silo sends back for a call.</summary>
/// <param name="ResultJson">The tool's result as JSON.</param>
/// <param name="Silo">The silo that ran it.</param>
[GenerateSerializer]
[Immutable]
public sealed record RemoteToolResult(
    [property: Id(0)] string ResultJson,
    [property: Id(1)] string Silo);
