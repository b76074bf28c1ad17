using System.Text.Json;
using Microsoft.Extensions.AI;

namespace ToolFlow.ClusterBench;

/// <summary>
/// The baseline of the hop: a tool named like the no-op whose body is one bare grain call, on activations made once
/// and kept (<see cref="Keys"/> keys, taken in turn). What <see cref="ToolFlow.Orleans.RemoteToolFunction"/> adds to it
/// is its own: an activation per attempt, placement among the silos hosting the tool, the request and result as JSON.
/// </summary>
public sealed class BareGrainFunction(IGrainFactory grains) : AIFunction
{
    /// <summary>The activations the calls share.</summary>
    public const int Keys = 256;

    private static readonly JsonElement s_schema = JsonElement.Parse("""{"type": "object", "properties": {}}""");
    private int _next;

    /// <inheritdoc/>
    public override string Name => NoOpFunction.ToolName;

    /// <inheritdoc/>
    public override string Description => "A bare grain call.";

    /// <inheritdoc/>
    public override JsonElement JsonSchema => s_schema;

    /// <inheritdoc/>
    protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        int key = (int)((uint)Interlocked.Increment(ref _next) % Keys);
        return await grains.GetGrain<IBenchEchoGrain>(key).EchoAsync("ok", cancellationToken).ConfigureAwait(false);
    }
}
