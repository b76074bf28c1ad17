using System.Text.Json;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;

namespace ToolFlow.Pipeline;

/// <summary>
/// The <c>await_future</c> tool of futures mode. Its argument is a future reference, which the gate resolves before
/// the tool runs, so the tool only hands the value back: the call itself is what waits.
/// </summary>
internal sealed class AwaitFutureFunction : AIFunction
{
    private static readonly JsonElement s_schema = JsonElement.Parse("""
        {"type": "object", "properties": {"future": {"type": "object", "description": "The future to wait for, as given: {\"$future\": \"<call id>\"}."}}, "required": ["future"]}
        """);

    public override string Name => ToolFuture.AwaitToolName;

    public override string Description => "Waits for a tool call that is still running (a future) and returns its result.";

    public override JsonElement JsonSchema => s_schema;

    protected override ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken) =>
        ValueTask.FromResult(arguments.TryGetValue("future", out object? value) ? value : null);
}
