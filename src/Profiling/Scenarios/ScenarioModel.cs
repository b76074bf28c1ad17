using ToolFlow.Blocks;

namespace ToolFlow.Profiling;

/// <summary>How fast a scenario's model streams, and in whose tokens.</summary>
/// <param name="TimeToFirstToken">The delay from the request to the first token.</param>
/// <param name="TokensPerSecond">The decode speed after the first token.</param>
/// <param name="Tokenizer">The tokenizer whose real tokens the model streams, one per update.</param>
internal sealed record ScenarioModel(TimeSpan TimeToFirstToken, double TokensPerSecond, ITokenCounter Tokenizer);
