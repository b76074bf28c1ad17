using System.Text.Json.Serialization;

namespace ToolFlow.Cli.Demo;

/// <summary>What <c>toolflow demo --json</c> prints.</summary>
internal sealed record DemoSummary(
    [property: JsonPropertyName("endToEndMs")] double EndToEndMs,
    [property: JsonPropertyName("lowerBoundMs")] double LowerBoundMs,
    [property: JsonPropertyName("afterDecodeMs")] double AfterDecodeMs,
    [property: JsonPropertyName("sequentialMs")] double SequentialMs,
    [property: JsonPropertyName("calls")] IReadOnlyList<DemoCallSummary> Calls)
{
    public static DemoSummary From(DemoRun toolFlow, DemoRun afterDecode, DemoRun sequential) => new(
        Math.Round(toolFlow.EndToEndMs, 1),
        Math.Round(toolFlow.LowerBoundMs, 1),
        Math.Round(afterDecode.EndToEndMs, 1),
        Math.Round(sequential.EndToEndMs, 1),
        [.. toolFlow.Timeline.Calls.Select(c => new DemoCallSummary(
            c.Name,
            Math.Round(c.ClosedMs, 1),
            c.StartedMs is double s ? Math.Round(s, 1) : null,
            c.CompletedMs is double d ? Math.Round(d, 1) : null))]);
}
