using System.Collections.Frozen;
using Orleans.Metadata;
using Orleans.Runtime.Placement;

namespace ToolFlow.Orleans;

/// <summary>
/// Chooses the silo for one attempt of a tool call: among the active, compatible silos that advertise the call's tool
/// (<see cref="ToolWorkerManifest"/>), by a stable hash of the grain key, which spreads calls evenly over them.
/// </summary>
/// <remarks>
/// The hash is the same on every silo, so the silo an earlier re-run of the attempt went to can be named again: a
/// re-run skips those silos (their loss is why it runs) while another remains, even before membership has declared
/// the lost silo dead. A silo that advertises no tool never gets a call, whatever else it runs.
/// </remarks>
internal sealed class ToolWorkerPlacementDirector(IClusterManifestProvider manifests) : IPlacementDirector
{
    // The last manifest read and the silos hosting each tool in it; swapped whole, so readers need no lock.
    private Tuple<ClusterManifest, FrozenDictionary<string, SiloAddress[]>>? _byTool;

    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        string key = target.GrainIdentity.Key.ToString() ?? string.Empty;
        if (!ToolCallKey.TryParse(key, out ToolCallKey call))
        {
            throw new ArgumentException($"'{key}' is not a tool call key ({{tool}}/{{scope}}/{{callId}}/{{attempt}}.{{rerun}}).", nameof(target));
        }

        SiloAddress[] compatible = context.GetCompatibleSilos(target);
        SiloAddress[] candidates = [.. HostsOf(call.Tool).Where(s => Array.IndexOf(compatible, s) >= 0)];
        if (candidates.Length == 0)
        {
            throw new InvalidOperationException(
                $"No active silo hosts the tool '{call.Tool}'. A silo hosts the tools given to AddToolFlowWorker.");
        }

        var lost = new HashSet<SiloAddress>();
        for (int rerun = 0; rerun < call.Rerun; rerun++)
        {
            lost.Add(Pick(candidates, call.WithRerun(rerun)));
        }

        SiloAddress[] left = [.. candidates.Where(s => !lost.Contains(s))];
        return Task.FromResult(Pick(left.Length > 0 ? left : candidates, key));
    }

    /// <summary>The silos hosting <paramref name="tool"/> in the current cluster manifest, in address order.</summary>
    public SiloAddress[] HostsOf(string tool)
    {
        ClusterManifest manifest = manifests.Current;
        Tuple<ClusterManifest, FrozenDictionary<string, SiloAddress[]>>? cached = _byTool;
        if (cached is null || !ReferenceEquals(cached.Item1, manifest))
        {
            cached = Tuple.Create(manifest, ToolWorkerManifest.SilosByTool(manifest));
            _byTool = cached;
        }

        return cached.Item2.TryGetValue(tool, out SiloAddress[]? silos) ? silos : [];
    }

    private static SiloAddress Pick(SiloAddress[] silos, string key) => silos[(int)(StableHash(key) % (uint)silos.Length)];

    // FNV-1a over the key's characters, then a final mix so the low bits (the ones a modulo keeps) depend on every
    // character: the same on every silo and every run (string.GetHashCode is per process).
    private static uint StableHash(string key)
    {
        uint hash = 2166136261;
        foreach (char c in key)
        {
            hash = (hash ^ c) * 16777619;
        }

        hash ^= hash >> 16;
        hash *= 0x85EBCA6B;
        hash ^= hash >> 13;
        hash *= 0xC2B2AE35;
        return hash ^ (hash >> 16);
    }
}
