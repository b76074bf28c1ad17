using System.Text.Json.Nodes;

namespace ToolFlow.Profiling;

/// <summary>A scripted tool call.</summary>
/// <param name="Id">The call's id in the scenario, unique in its conversation; other calls name it in their dependencies.</param>
/// <param name="Tool">The tool it calls.</param>
/// <param name="Arguments">The arguments as written in the scenario (references still in scenario ids).</param>
/// <param name="Turn">The call's turn, from 1.</param>
/// <param name="Index">The call's position in its turn's response, from 0.</param>
/// <param name="DependsOn">The ids of the calls whose results it needs, from references in its arguments and its explicit list.</param>
/// <param name="FailAttempts">How many of its first attempts fail, whatever the tool's failure probability.</param>
/// <param name="Latency">A latency for every attempt of this call, overriding the tool's distribution (recorded runs use it).</param>
/// <param name="FieldPath">The call's JSON path in the scenario file, for messages.</param>
internal sealed record ScenarioCall(
    string Id,
    string Tool,
    JsonObject Arguments,
    int Turn,
    int Index,
    IReadOnlyList<string> DependsOn,
    int FailAttempts,
    TimeSpan? Latency,
    string FieldPath)
{
    /// <summary>The id the scripted model gives the call at run time: <c>call_t{turn}_{index}</c>.</summary>
    public string RuntimeId => $"call_t{Turn}_{Index}";
}
