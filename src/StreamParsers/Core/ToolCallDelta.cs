namespace ToolFlow.StreamParsers;

/// <summary>
/// One streamed fragment of a structured tool call, as providers such as OpenAI chat completions send it
/// (<c>choices[0].delta.tool_calls[i]</c>).
/// </summary>
/// <param name="Index">The provider's call index, when sent.</param>
/// <param name="Id">The call id, usually only on the first fragment of a call.</param>
/// <param name="Name">The function name, usually only on the first fragment of a call.</param>
/// <param name="ArgumentsFragment">A piece of the arguments JSON text.</param>
public readonly record struct ToolCallDelta(int? Index, string? Id, string? Name, string? ArgumentsFragment);
