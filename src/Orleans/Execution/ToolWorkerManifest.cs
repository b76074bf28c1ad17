using System.Collections.Frozen;
using System.Text.Json;
using Orleans.Metadata;

namespace ToolFlow.Orleans;

/// <summary>
/// How a silo advertises its tools: a property of <see cref="ToolCallGrain"/> in the silo's grain manifest, which
/// Orleans shares with every member (the cluster manifest), so a silo placing a call knows the tools of every silo it
/// may place on from the same source that tells it the silo is compatible at all.
/// </summary>
internal sealed class ToolWorkerManifest(ToolWorkerRegistry registry) : IGrainPropertiesProvider
{
    /// <summary>The grain property: the silo's tool names as a JSON array.</summary>
    public const string ToolsProperty = "toolflow.tools";

    public void Populate(Type grainClass, GrainType grainType, Dictionary<string, string> properties)
    {
        if (grainClass == typeof(ToolCallGrain))
        {
            properties[ToolsProperty] = JsonSerializer.Serialize(registry.Names.Order(StringComparer.Ordinal).ToArray());
        }
    }

    /// <summary>The silos of <paramref name="manifest"/> hosting each tool, in address order.</summary>
    public static FrozenDictionary<string, SiloAddress[]> SilosByTool(ClusterManifest manifest)
    {
        var byTool = new Dictionary<string, List<SiloAddress>>(StringComparer.Ordinal);
        foreach ((SiloAddress silo, GrainManifest grains) in manifest.Silos)
        {
            foreach ((GrainType _, GrainProperties properties) in grains.Grains)
            {
                if (properties.Properties.TryGetValue(ToolsProperty, out string? json))
                {
                    foreach (string tool in JsonSerializer.Deserialize<string[]>(json) ?? [])
                    {
                        if (!byTool.TryGetValue(tool, out List<SiloAddress>? silos))
                        {
                            byTool[tool] = silos = [];
                        }

                        silos.Add(silo);
                    }
                }
            }
        }

        return byTool.ToFrozenDictionary(p => p.Key, p => p.Value.Order().ToArray(), StringComparer.Ordinal);
    }
}
