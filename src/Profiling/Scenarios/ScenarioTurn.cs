namespace ToolFlow.Profiling;

/// <summary>One model turn: its text and calls, in the order the model writes them.</summary>
/// <param name="Segments">The segments.</param>
internal sealed record ScenarioTurn(IReadOnlyList<ScenarioSegment> Segments)
{
    /// <summary>The turn's calls, in order.</summary>
    public IEnumerable<ScenarioCall> Calls => Segments.Where(s => s.Call is not null).Select(s => s.Call!);
}
