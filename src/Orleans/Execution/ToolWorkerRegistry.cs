using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.AI;

namespace ToolFlow.Orleans;

/// <summary>The tools a worker silo hosts, by name; <see cref="ToolFlowWorkerSiloBuilderExtensions.AddToolFlowWorker"/> registers it.</summary>
public sealed class ToolWorkerRegistry
{
    private readonly FrozenDictionary<string, AIFunction> _tools;

    /// <summary>Initializes the registry.</summary>
    /// <param name="tools">The tools this silo runs; names must be unique.</param>
    /// <exception cref="ArgumentException">Two tools have the same name.</exception>
    public ToolWorkerRegistry(IEnumerable<AIFunction> tools)
    {
        ArgumentNullException.ThrowIfNull(tools);
        var byName = new Dictionary<string, AIFunction>(StringComparer.Ordinal);
        foreach (AIFunction tool in tools)
        {
            ArgumentNullException.ThrowIfNull(tool, nameof(tools));
            if (!byName.TryAdd(tool.Name, tool))
            {
                throw new ArgumentException($"Two tools are named '{tool.Name}'; a worker silo hosts each name once.", nameof(tools));
            }
        }

        _tools = byName.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>The names of the tools this silo hosts.</summary>
    public IReadOnlyCollection<string> Names => _tools.Keys;

    /// <summary>Finds a tool.</summary>
    /// <param name="name">The tool's name.</param>
    /// <param name="tool">The tool, if this silo hosts it.</param>
    /// <returns>Whether this silo hosts it.</returns>
    public bool TryGet(string name, [NotNullWhen(true)] out AIFunction? tool) => _tools.TryGetValue(name, out tool);
}
