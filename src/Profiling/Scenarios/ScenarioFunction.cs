using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace ToolFlow.Profiling;

/// <summary>
/// A scenario tool: each attempt waits the latency its draw gives on the injected clock, then fails or answers. The
/// call is known by its <c>_call</c> argument (in plans, its first positional argument).
/// </summary>
internal sealed class ScenarioFunction(string name, int conversation, ScenarioRealization realization, TimeProvider clock) : AIFunction
{
    private static readonly JsonElement s_schema = JsonElement.Parse("""{"type": "object", "properties": {"_call": {"type": "string"}, "_after": {"type": "array"}}}""");
    private readonly ConcurrentDictionary<string, int> _attempts = new(StringComparer.Ordinal);

    public override string Name => name;

    public override string Description => $"Scenario tool {name}.";

    public override JsonElement JsonSchema => s_schema;

    /// <summary>The scenario id a call carries in its <c>_call</c> argument, or <see langword="null"/>.</summary>
    public static string? CallIdOf(AIFunctionArguments arguments) =>
        arguments.TryGetValue(ScenarioRendering.CallArgument, out object? value) ? value switch
        {
            JsonElement { ValueKind: JsonValueKind.String } e => e.GetString(),
            string s => s,
            _ => null,
        } : null;

    protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        string? id = CallIdOf(arguments);
        if (id is null)
        {
            return $"{name}: no {ScenarioRendering.CallArgument} argument";
        }

        CallDraw draw = realization.Of(conversation, id);
        int attempt = _attempts.AddOrUpdate(id, 1, static (_, n) => n + 1);
        TimeSpan latency = draw.AttemptLatencies[Math.Min(attempt, draw.AttemptLatencies.Count) - 1];
        if (latency > TimeSpan.Zero)
        {
            // Resume inline at the timer's instant, so virtual time stamps the result exactly.
            await Task.Delay(latency, clock, cancellationToken).ConfigureAwait(false);
        }

        if (attempt <= draw.FailedAttempts)
        {
            throw new InvalidOperationException($"{name} failed on attempt {attempt} of call {id} (scripted).");
        }

        return $"{name}({id}) ok";
    }
}
