using System.Text.Json;

namespace ToolFlow.StreamParsers;

/// <summary>A complete tool call, as a parser read it.</summary>
/// <param name="Index">The call's position in the response, from 0.</param>
/// <param name="Id">The provider's call id, or <see langword="null"/> when the format has none.</param>
/// <param name="Name">The tool name.</param>
/// <param name="ArgumentsJson">The arguments text exactly as the model wrote it (for text formats, the JSON value).</param>
/// <param name="Arguments">The arguments as a JSON object, or <see langword="null"/> when <paramref name="Error"/> is set.</param>
/// <param name="Reason">What made the call complete.</param>
/// <param name="Offset">The input position, in characters, just past the character that completed the call.</param>
/// <param name="Error">Why the arguments could not be read, or <see langword="null"/> when they are a valid JSON object.</param>
public sealed record ParsedToolCall(
    int Index,
    string? Id,
    string Name,
    string ArgumentsJson,
    JsonElement? Arguments,
    ToolCallCompletionReason Reason,
    long Offset,
    string? Error = null)
{
    /// <summary>Whether the arguments were read as a JSON object.</summary>
    public bool IsValid => Error is null;
}
