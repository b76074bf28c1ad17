using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Metadata;
using Orleans.Runtime.Placement;

namespace ToolFlow.Orleans;

/// <summary>Makes a silo a ToolFlow worker: the tools it runs for calls sent from anywhere in the cluster.</summary>
public static class ToolFlowWorkerSiloBuilderExtensions
{
    /// <summary>
    /// Registers the tools this silo runs (<see cref="ToolWorkerRegistry"/>), advertises their names to the cluster
    /// for placement, sets this silo's caps, and lets this silo place tool calls on the workers.
    /// </summary>
    /// <param name="builder">The silo.</param>
    /// <param name="tools">The tools this silo runs; none for a silo that only sends calls (it never gets one).</param>
    /// <param name="configure">Sets the per-node and cluster-wide caps; see <see cref="ToolWorkerOptions"/>.</param>
    /// <returns>The silo builder.</returns>
    /// <remarks>
    /// Every silo that sends tool calls through <see cref="RemoteToolFunction"/> calls this (with no tools if it hosts
    /// none): a call's grain is placed by the silo that sends it.
    /// </remarks>
    /// <exception cref="ArgumentException">Two tools share a name, or a cap names a tool this silo does not host.</exception>
    /// <exception cref="InvalidOperationException">Called twice on one silo.</exception>
    public static ISiloBuilder AddToolFlowWorker(this ISiloBuilder builder, IEnumerable<AIFunction> tools, Action<ToolWorkerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var registry = new ToolWorkerRegistry(tools);
        var options = new ToolWorkerOptions();
        configure?.Invoke(options);
        string[] unknown = [.. options.ToolMaxConcurrency.Keys.Concat(options.ClusterMaxConcurrency.Keys).Where(name => !registry.TryGet(name, out _)).Distinct()];
        if (unknown.Length > 0)
        {
            throw new ArgumentException(
                $"ToolWorkerOptions caps tools this silo does not host: {string.Join(", ", unknown.Select(n => $"'{n}'"))}.", nameof(configure));
        }

        if (builder.Services.Any(d => d.ServiceType == typeof(ToolWorkerRegistry)))
        {
            throw new InvalidOperationException("AddToolFlowWorker was already called on this silo: give it all of the silo's tools at once.");
        }

        builder.Services.AddSingleton(registry);
        builder.Services.AddSingleton(Microsoft.Extensions.Options.Options.Create(options));
        builder.Services.AddSingleton<ToolWorkerLimits>();
        builder.Services.AddSingleton<IGrainPropertiesProvider, ToolWorkerManifest>();
        return builder.AddToolCallPlacement();
    }

    /// <summary>
    /// Lets this silo place tool calls (a call is placed by the silo that sends it), once however often it is asked:
    /// for code of this assembly that sends calls from a silo that may host no tools (the conversation grains).
    /// </summary>
    internal static ISiloBuilder AddToolCallPlacement(this ISiloBuilder builder)
    {
        if (!builder.Services.Any(d => d.IsKeyedService && d.ServiceType == typeof(IPlacementDirector) && Equals(d.ServiceKey, typeof(ToolWorkerPlacement))))
        {
            builder.AddPlacementDirector<ToolWorkerPlacement, ToolWorkerPlacementDirector>();
        }

        return builder;
    }
}
