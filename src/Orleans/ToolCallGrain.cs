using System.Text.Json;
using Microsoft.Extensions.AI;
using Orleans.Placement;
using Orleans.Runtime;

namespace ToolFlow.Orleans;

/// <summary>Runs one attempt of a call on the silo it is placed on.</summary>
/// <remarks>
/// Random placement spreads calls over the silos; a stateless worker would run on the calling silo, which is what
/// remote execution must not do.
/// </remarks>
[RandomPlacement]
internal sealed class ToolCallGrain(ToolWorkerRegistry registry, ILocalSiloDetails silo) : Grain, IToolCallGrain
{
    public async Task<RemoteToolResult> InvokeAsync(RemoteToolRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!registry.TryGet(request.ToolName, out AIFunction? tool))
        {
            throw new InvalidOperationException($"The silo {silo.SiloAddress} does not host the tool '{request.ToolName}'.");
        }

        Dictionary<string, object?> arguments = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(request.ArgumentsJson)?
            .ToDictionary(p => p.Key, p => (object?)p.Value, StringComparer.Ordinal) ?? [];
        // Grain code resumes on the activation's scheduler (Orleans' turn-based model), never on the pool.
        object? result = await tool.InvokeAsync(new AIFunctionArguments(arguments), cancellationToken).AsTask()
            .ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext);

        // Each attempt is its own activation: it goes once it has answered.
        DeactivateOnIdle();
        return new RemoteToolResult(JsonSerializer.Serialize(result, AIJsonUtilities.DefaultOptions), silo.SiloAddress.ToString());
    }
}
