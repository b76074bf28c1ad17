using System.Collections.Frozen;
using Microsoft.Extensions.Options;

namespace ToolFlow.Orleans;

/// <summary>The per-node caps of a worker silo: one semaphore per tool that has a limit here.</summary>
internal sealed class ToolWorkerLimits
{
    private readonly FrozenDictionary<string, SemaphoreSlim> _slots;

    public ToolWorkerLimits(ToolWorkerRegistry registry, IOptions<ToolWorkerOptions> options)
    {
        ToolWorkerOptions value = options.Value;
        _slots = registry.Names
            .Select(name => (name, cap: value.MaxConcurrencyOf(name)))
            .Where(t => t.cap != ToolWorkerOptions.Unbounded)
            .ToFrozenDictionary(t => t.name, t => new SemaphoreSlim(t.cap, t.cap), StringComparer.Ordinal);
        ClusterCaps = value.ClusterMaxConcurrency.ToFrozenDictionary(StringComparer.Ordinal);
        TimeProvider = value.TimeProvider;
    }

    public FrozenDictionary<string, int> ClusterCaps { get; }

    public TimeProvider TimeProvider { get; }

    /// <summary>Waits for a slot of <paramref name="tool"/> on this silo; the slot is the returned semaphore, or none when the tool is unbounded here.</summary>
    public async ValueTask<SemaphoreSlim?> EnterAsync(string tool, CancellationToken cancellationToken)
    {
        if (!_slots.TryGetValue(tool, out SemaphoreSlim? slots))
        {
            return null;
        }

        await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        return slots;
    }
}
