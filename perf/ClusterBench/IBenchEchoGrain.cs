namespace ToolFlow.ClusterBench;

/// <summary>The floor of a hop: a grain call that answers at once, on an activation that stays.</summary>
public interface IBenchEchoGrain : IGrainWithIntegerKey
{
    /// <summary>Returns <paramref name="text"/>.</summary>
    /// <param name="text">Anything.</param>
    /// <param name="cancellationToken">Carried as a tool call's is.</param>
    /// <returns>The text.</returns>
    Task<string> EchoAsync(string text, CancellationToken cancellationToken);
}
