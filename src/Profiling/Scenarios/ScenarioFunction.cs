using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;

namespace ToolFlow.Profiling;

/// <summary>
/// A scenario tool: each attempt waits the latency its draw gives on the injected clock, then fails or answers. The
/// call is known by its <c>_call</c> argument (in plans, its first positional argument). A tool with an
/// <paramref name="overload"/> shares the run's <see cref="ScenarioLoad"/>: above its capacity an attempt is turned away
/// at once with a <see cref="ToolRateLimitedException"/>, and otherwise runs slower the more bodies run beside it.
/// </summary>
internal sealed class ScenarioFunction(string name, int conversation, ScenarioRealization realization, TimeProvider clock, ScenarioOverload? overload = null) : AIFunction
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
        if (overload is not null)
        {
            return await ServeAsync(id, draw, realization.LoadOf(name, overload, clock), cancellationToken).ConfigureAwait(false);
        }

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

    // A rejection is not an attempt of the draw: the call's latency and scripted failures are those of its served attempts.
    private async Task<object?> ServeAsync(string id, CallDraw draw, ScenarioLoad load, CancellationToken cancellationToken)
    {
        string key = $"{conversation}:{id}";
        double slowdown = load.Arrive(key) ?? throw new ToolRateLimitedException(load.Overload.RetryAfter, $"{name} is over its capacity (scripted).");
        int attempt = _attempts.AddOrUpdate(id, 1, static (_, n) => n + 1);
        bool served = false;
        try
        {
            TimeSpan latency = draw.AttemptLatencies[Math.Min(attempt, draw.AttemptLatencies.Count) - 1] * slowdown;
            latency = TimeSpan.FromMilliseconds(Math.Round(latency.TotalMilliseconds));
            if (latency > TimeSpan.Zero)
            {
                await Task.Delay(latency, clock, cancellationToken).ConfigureAwait(false);
            }

            if (attempt <= draw.FailedAttempts)
            {
                throw new InvalidOperationException($"{name} failed on attempt {attempt} of call {id} (scripted).");
            }

            served = true;
            return $"{name}({id}) ok";
        }
        finally
        {
            load.Leave(key, served);
        }
    }
}
