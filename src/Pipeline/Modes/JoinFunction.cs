using System.Text.Json;
using Microsoft.Extensions.AI;
using ToolFlow.StreamParsers;

namespace ToolFlow.Pipeline;

/// <summary>Plan mode's <c>join</c>: it runs once every earlier step has ended and returns their results by step.</summary>
internal sealed class JoinFunction : AIFunction
{
    private static readonly JsonElement s_schema = JsonElement.Parse("""{"type": "object", "properties": {"results": {"type": "object"}}}""");

    public override string Name => LlmCompilerPlan.JoinToolName;

    public override string Description => "Collects the results of every earlier step of the plan.";

    public override JsonElement JsonSchema => s_schema;

    protected override ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken) =>
        ValueTask.FromResult(arguments.TryGetValue("results", out object? results) ? results : null);
}
