using System.Text.Json;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;

namespace ToolFlow.Orleans;

/// <summary>Runs one attempt of a call on the silo it is placed on: a silo that hosts the call's tool.</summary>
/// <remarks>
/// Placed by <see cref="ToolWorkerPlacement"/>; a stateless worker would run on the calling silo, which is what
/// remote execution must not do. The body waits for this silo's slot of its tool, then for a cluster lease when
/// the tool has a cluster-wide cap, all within the call's deadline.
/// </remarks>
[ToolWorkerPlacement]
internal sealed class ToolCallGrain(ToolWorkerRegistry registry, ToolWorkerLimits limits, ILocalSiloDetails silo) : Grain, IToolCallGrain
{
    public async Task<RemoteToolResult> InvokeAsync(RemoteToolRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        // Each attempt is its own activation: it goes once it has answered, whatever the answer.
        DeactivateOnIdle();
        if (!registry.TryGet(request.ToolName, out AIFunction? tool))
        {
            throw new InvalidOperationException($"The silo {silo.SiloAddress} does not host the tool '{request.ToolName}'.");
        }

        // The deadline holds on this side too: the caller's cancellation never comes if the caller's silo dies.
        using CancellationTokenSource? timer = request.Timeout is { } timeout ? new CancellationTokenSource(timeout, limits.TimeProvider) : null;
        using CancellationTokenSource? linked = timer is null ? null : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        CancellationToken token = linked?.Token ?? cancellationToken;

        SemaphoreSlim? slot = await limits.EnterAsync(tool.Name, token).AsTask()
            .ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext);
        IToolCapGrain? cap = null;
        string lease = this.GetPrimaryKeyString();
        try
        {
            if (limits.ClusterCaps.TryGetValue(tool.Name, out int limit))
            {
                cap = GrainFactory.GetGrain<IToolCapGrain>(tool.Name);
                await cap.AcquireAsync(lease, silo.SiloAddress, limit, token)
                    .ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext);
            }

            Dictionary<string, object?> arguments = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(request.ArgumentsJson)?
                .ToDictionary(p => p.Key, p => (object?)p.Value, StringComparer.Ordinal) ?? [];
            ToolIdempotency.Enter(request.IdempotencyKey);
            // The body runs on the thread pool, as a local one does: a tool is not grain code and may block.
            object? result = await Task.Run(() => tool.InvokeAsync(new AIFunctionArguments(arguments), token).AsTask(), token)
                .ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext);
            return new RemoteToolResult(RemoteResults.Serialize(result, tool), silo.SiloAddress.ToString());
        }
        finally
        {
            if (cap is not null)
            {
                // Also after a cancelled acquire: the lease may have been lent just as the token fired.
                try
                {
                    await cap.ReleaseAsync(lease).ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext);
                }
                catch (Exception e) when (e is OrleansException or TimeoutException)
                {
                    // The cap grain is unreachable (its silo died: it starts again with no leases); the body's
                    // outcome stands.
                }
            }

            slot?.Release();
        }
    }
}
