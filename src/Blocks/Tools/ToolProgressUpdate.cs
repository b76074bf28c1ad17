namespace ToolFlow.Blocks;

/// <summary>One progress report of a running tool, with the fields of MCP's progress notification.</summary>
/// <param name="Progress">How far the tool has got, in its own units (a percentage, or items done); <see langword="null"/> to report only a message. Must be finite.</param>
/// <param name="Total">What <paramref name="Progress"/> reaches when the work is done, if known. Must be finite.</param>
/// <param name="Message">What the tool is doing, for people.</param>
public readonly record struct ToolProgressUpdate(double? Progress, double? Total = null, string? Message = null);
