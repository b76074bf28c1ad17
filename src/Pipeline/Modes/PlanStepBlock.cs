using System.Text.Json;
using System.Threading.Tasks.Dataflow;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;
using ToolFlow.StreamParsers;

namespace ToolFlow.Pipeline;

/// <summary>
/// Plan mode's step between parse and execute. LLMCompiler plans pass arguments by position
/// (<c>{"args": [...]}</c>); this names them after the tool's parameters, in schema order, and makes <c>join</c> refer
/// to every earlier step of its plan, so the gate starts it once they have all ended.
/// </summary>
internal static class PlanStepBlock
{
    public static IPropagatorBlock<ToolPipelineEvent, ToolPipelineEvent> Create(IReadOnlyList<ToolDescriptor> tools, TaskScheduler scheduler)
    {
        Dictionary<string, string[]> parameters = tools.ToDictionary(t => t.Name, t => ParameterNames(t.Function), StringComparer.Ordinal);
        var steps = new List<string>();
        int turn = 0;
        return new TransformBlock<ToolPipelineEvent, ToolPipelineEvent>(
            e =>
            {
                if (e is not ToolCallClosed { Call: { Arguments: { } arguments } call } closed || call.Label is null)
                {
                    return e;
                }

                if (call.Turn != turn)
                {
                    turn = call.Turn;
                    steps.Clear();
                }

                ToolCall mapped = call.Name == LlmCompilerPlan.JoinToolName
                    ? Join(call, steps)
                    : Name(call, arguments, parameters.GetValueOrDefault(call.Name));
                steps.Add(call.Label);
                return closed with { Call = mapped };
            },
            new ExecutionDataflowBlockOptions { TaskScheduler = scheduler });
    }

    private static ToolCall Join(ToolCall call, List<string> steps)
    {
        var references = steps.ToDictionary(s => s, s => (object?)JsonSerializer.SerializeToElement($"${{{s}}}"));
        var arguments = new Dictionary<string, object?> { ["results"] = JsonSerializer.SerializeToElement(references) };
        return call with { Arguments = arguments, ArgumentsJson = JsonSerializer.Serialize(arguments) };
    }

    private static ToolCall Name(ToolCall call, IReadOnlyDictionary<string, object?> arguments, string[]? names)
    {
        if (names is null || arguments.Count != 1 || arguments.GetValueOrDefault("args") is not JsonElement { ValueKind: JsonValueKind.Array } positional)
        {
            return call;
        }

        JsonElement[] values = [.. positional.EnumerateArray()];
        if (values.Length > names.Length)
        {
            return call with { ArgumentsError = $"'{call.Name}' takes {names.Length} arguments; the plan gives {values.Length}." };
        }

        var named = new Dictionary<string, object?>(StringComparer.Ordinal);
        for (int i = 0; i < values.Length; i++)
        {
            named[names[i]] = values[i];
        }

        return call with { Arguments = named, ArgumentsJson = JsonSerializer.Serialize(named) };
    }

    private static string[] ParameterNames(AIFunction function) =>
        function.JsonSchema.TryGetProperty("properties", out JsonElement properties) && properties.ValueKind == JsonValueKind.Object
            ? [.. properties.EnumerateObject().Select(p => p.Name)]
            : [];
}
