using System.Text.Json;
using Microsoft.Extensions.AI;

namespace ToolFlow.ClusterBench;

/// <summary>
/// A tool that does nothing and answers "ok" at once, synchronously: what a hop costs is all that is left. It counts
/// its calls, so a rig can show how calls spread over its silos.
/// </summary>
public sealed class NoOpFunction : AIFunction
{
    /// <summary>The tool's name.</summary>
    public const string ToolName = "noop";

    private static readonly object s_result = "ok";
    private static readonly JsonElement s_schema = JsonElement.Parse("""{"type": "object", "properties": {}}""");

    private long _calls;

    /// <summary>The calls it has answered.</summary>
    public long Calls => Interlocked.Read(ref _calls);

    /// <inheritdoc/>
    public override string Name => ToolName;

    /// <inheritdoc/>
    public override string Description => "Does nothing.";

    /// <inheritdoc/>
    public override JsonElement JsonSchema => s_schema;

    /// <inheritdoc/>
    protected override ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        return new(s_result);
    }
}
