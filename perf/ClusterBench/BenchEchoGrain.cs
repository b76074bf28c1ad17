using Orleans.Placement;

namespace ToolFlow.ClusterBench;

/// <summary>Answers at once; placed at random, so a set of keys spreads over the silos as tool calls do.</summary>
[RandomPlacement]
internal sealed class BenchEchoGrain : Grain, IBenchEchoGrain
{
    public Task<string> EchoAsync(string text, CancellationToken cancellationToken) => Task.FromResult(text);
}
