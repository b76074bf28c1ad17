using System.Collections.Frozen;
using Microsoft.Extensions.AI;

namespace ToolFlow.Orleans;

/// <summary>The tools a worker silo hosts, by name.</summary>
public sealed class ToolWorkerRegistry
{
    private readonly FrozenDictionary<string, AIFunction> _tools;

    /// <summary>Initializes the registry.</summary>
    /// <param name="tools">The tools this silo runs; names must be unique.</param>
    public ToolWorkerRegistry(IEnumerable<AIFunction> tools)
    {
        ArgumentNullException.ThrowIfNull(tools);
        _tools = tools.ToFrozenDictionary(t => t.Name, StringComparer.Ordinal);
    }

    /// <summary>Finds a tool.</summary>
    /// <param name="name">The tool's name.</param>
    /// <param name="tool">The tool, if this silo hosts it.</param>
    /// <returns>Whether this silo hosts it.</returns>
    public bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out AIFunction? tool) => _tools.TryGetValue(name, out tool);
}
