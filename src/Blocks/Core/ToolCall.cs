using System.Text.Json;

namespace ToolFlow.Blocks;

/// <summary>A complete tool call as the mesh schedules it.</summary>
/// <param name="CallId">The call id, unique within the run.</param>
/// <param name="Name">The tool name.</param>
/// <param name="Index">The call's position in its response, from 0: results enter the conversation in this order.</param>
/// <param name="Turn">The turn whose response holds the call, from 1.</param>
/// <param name="Arguments">The arguments by name (values are <see cref="JsonElement"/>), or <see langword="null"/> when <see cref="ArgumentsError"/> is set.</param>
/// <param name="ArgumentsJson">The arguments text as the model wrote it.</param>
/// <param name="ArgumentsError">Why the arguments could not be read, or <see langword="null"/>.</param>
/// <param name="Label">The name other calls use to refer to this one's result (a plan's step number, a NESTFUL
/// variable such as <c>var1</c>), or <see langword="null"/>.</param>
public sealed record ToolCall(
    string CallId,
    string Name,
    int Index,
    int Turn,
    IReadOnlyDictionary<string, object?>? Arguments,
    string ArgumentsJson,
    string? ArgumentsError = null,
    string? Label = null);
