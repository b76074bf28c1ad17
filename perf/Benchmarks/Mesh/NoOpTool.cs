using Microsoft.Extensions.AI;

namespace ToolFlow.Benchmarks.Mesh;

/// <summary>A tool that does nothing and answers at once, synchronously.</summary>
internal sealed class NoOpTool : AIFunction
{
    private static readonly object s_result = "ok";

    /// <inheritdoc/>
    public override string Name => "noop";

    /// <inheritdoc/>
    protected override ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken) => new(s_result);
}
