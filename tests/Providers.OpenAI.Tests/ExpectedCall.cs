namespace ToolFlow.Providers.OpenAI.Tests;

/// <summary>A call a recorded stream must yield.</summary>
/// <param name="Name">The tool name.</param>
/// <param name="ArgumentsJson">The arguments.</param>
public sealed record ExpectedCall(string Name, string ArgumentsJson);
