using System.Text.Json.Serialization;

namespace ToolFlow.Cli.Demo;

/// <summary>One call in <c>toolflow demo --json</c>: milliseconds from the start of the run.</summary>
internal sealed record DemoCallSummary(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("closedMs")] double ClosedMs,
    [property: JsonPropertyName("startedMs")] double? StartedMs,
    [property: JsonPropertyName("completedMs")] double? CompletedMs);
