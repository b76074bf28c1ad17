using System.Collections.Concurrent;
using Microsoft.Extensions.AI;
using ToolFlow.Orleans;
using ToolFlow.Profiling;

namespace ToolFlow.ClusterBench;

/// <summary>
/// Runs a scenario's tool bodies on the silos of an in-process cluster. The caller side wraps each scenario tool in a
/// <see cref="RemoteToolFunction"/> that also names the body (<see cref="RouteArgument"/>); the worker side is one tool
/// per name, registered on every silo, that finds the body by that name and runs it. The bodies stay the harness's own
/// objects (their draw, clock and attempt counts), which the silos reach because they share this process.
/// </summary>
public sealed class RemoteScenarioTools
{
    /// <summary>The argument that names a call's body on its way to the worker; the worker removes it before the body runs.</summary>
    public const string RouteArgument = "_route";

    private readonly ConcurrentDictionary<string, AIFunction> _bodies = new(StringComparer.Ordinal);

    /// <summary>The tools a worker silo registers: one per name, each running whichever body a call names.</summary>
    /// <param name="toolNames">The scenario tools' names (repeats are ignored).</param>
    /// <returns>The worker tools.</returns>
    public IReadOnlyList<AIFunction> WorkerTools(IEnumerable<string> toolNames)
    {
        ArgumentNullException.ThrowIfNull(toolNames);
        return [.. toolNames.Distinct(StringComparer.Ordinal).Select(n => new WorkerToolFunction(n, this))];
    }

    /// <summary>A route for one run: each tool's calls go through <paramref name="grains"/> to a worker silo.</summary>
    /// <param name="grains">Where the calls are issued from: a silo's grain factory, so they go silo to silo as a conversation grain's do.</param>
    /// <param name="runScope">Names the run in grain keys and body names; unique per run.</param>
    /// <returns>The route.</returns>
    public ScenarioToolRoute Route(IGrainFactory grains, string runScope)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentException.ThrowIfNullOrEmpty(runScope);
        return (tool, conversation) =>
        {
            string key = $"{runScope}/{conversation}/{tool.Name}";
            if (!_bodies.TryAdd(key, tool))
            {
                throw new InvalidOperationException($"The body '{key}' is routed already: give each run its own scope.");
            }

            return new RoutedFunction(new RemoteToolFunction(tool, grains, $"{runScope}/{conversation}"), key);
        };
    }

    /// <summary>Lets go of a finished run's bodies.</summary>
    /// <param name="runScope">The run's scope, as given to <see cref="Route"/>.</param>
    public void Forget(string runScope)
    {
        string prefix = runScope + "/";
        foreach (string key in _bodies.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)))
        {
            _bodies.TryRemove(key, out _);
        }
    }

    private bool TryGetBody(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out AIFunction? body) => _bodies.TryGetValue(key, out body);

    // The caller side: adds the body's name to a copy of the arguments (the pipeline's own stay as the model wrote them).
    private sealed class RoutedFunction(RemoteToolFunction remote, string key) : DelegatingAIFunction(remote)
    {
        protected override ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
        {
            var routed = new AIFunctionArguments(new Dictionary<string, object?>(arguments, StringComparer.Ordinal) { [RouteArgument] = key });
            return base.InvokeCoreAsync(routed, cancellationToken);
        }
    }

    // The worker side: on a silo, runs the body the call names with the arguments the model wrote.
    private sealed class WorkerToolFunction(string name, RemoteScenarioTools tools) : AIFunction
    {
        public override string Name => name;

        public override string Description => $"Runs the scenario tool {name}'s body a call names.";

        protected override ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
        {
            string? key = arguments.TryGetValue(RouteArgument, out object? value) ? value switch
            {
                System.Text.Json.JsonElement { ValueKind: System.Text.Json.JsonValueKind.String } e => e.GetString(),
                string s => s,
                _ => null,
            } : null;
            if (key is null || !tools.TryGetBody(key, out AIFunction? body))
            {
                throw new InvalidOperationException($"The call to '{name}' names no body this process routed ({RouteArgument}: '{key}').");
            }

            var own = new Dictionary<string, object?>(arguments, StringComparer.Ordinal);
            own.Remove(RouteArgument);
            return body.InvokeAsync(new AIFunctionArguments(own), cancellationToken);
        }
    }
}
