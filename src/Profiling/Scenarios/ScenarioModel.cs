namespace ToolFlow.Profiling;

/// <summary>How fast a scenario's model streams.</summary>
/// <param name="TimeToFirstToken">The delay from the request to the first token.</param>
/// <param name="TokensPerSecond">The decode speed after the first token.</param>
internal sealed record ScenarioModel(TimeSpan TimeToFirstToken, double TokensPerSecond);
