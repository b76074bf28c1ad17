namespace ToolFlow.Orleans;

/// <summary>
/// Spike: issues tool calls from inside the cluster (silo to silo), as a conversation grain will, and reports what
/// each call saw when a worker silo dies. To be replaced by the conversation grain.
/// </summary>
internal interface IToolRelayGrain : IGrainWithStringKey
{
    /// <summary>Runs <paramref name="calls"/> sleeping calls, each under <paramref name="deadline"/>.</summary>
    /// <returns>The relay's silo, then one line per call: elapsed ms, outcome, silo or exception type.</returns>
    Task<string[]> RunAsync(int calls, int sleepMs, TimeSpan deadline, CancellationToken cancellationToken);
}
