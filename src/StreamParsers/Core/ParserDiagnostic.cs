namespace ToolFlow.StreamParsers;

/// <summary>A problem a parser found in its input. Parsing always goes on after one.</summary>
/// <param name="Code">A stable, machine-readable code, for example <c>arguments-invalid-json</c>.</param>
/// <param name="Message">A sentence for people.</param>
/// <param name="Offset">The input position, in characters, where the problem was seen.</param>
public readonly record struct ParserDiagnostic(string Code, string Message, long Offset);
