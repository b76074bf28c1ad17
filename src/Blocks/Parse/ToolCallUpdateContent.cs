using Microsoft.Extensions.AI;
using ToolFlow.StreamParsers;

namespace ToolFlow.Blocks;

/// <summary>
/// A streamed fragment of a tool call (index, id, name, a piece of the arguments), as a
/// <see cref="ChatResponseUpdate"/> content. <c>Microsoft.Extensions.AI</c> has no partial-call type, so
/// ToolFlow's provider adapters emit this, and the parser block reads it as it arrives.
/// </summary>
public sealed class ToolCallUpdateContent : AIContent
{
    /// <summary>Initializes the content.</summary>
    /// <param name="index">The provider's call index, when it sends one.</param>
    /// <param name="callId">The call id, usually only on a call's first fragment.</param>
    /// <param name="name">The function name, usually only on a call's first fragment.</param>
    /// <param name="argumentsDelta">A piece of the arguments JSON text.</param>
    public ToolCallUpdateContent(int? index, string? callId, string? name, string? argumentsDelta)
    {
        Index = index;
        CallId = callId;
        Name = name;
        ArgumentsDelta = argumentsDelta;
    }

    /// <summary>The provider's call index, when it sends one.</summary>
    public int? Index { get; }

    /// <summary>The call id, usually only on a call's first fragment.</summary>
    public string? CallId { get; }

    /// <summary>The function name, usually only on a call's first fragment.</summary>
    public string? Name { get; }

    /// <summary>A piece of the arguments JSON text.</summary>
    public string? ArgumentsDelta { get; }

    /// <summary>The fragment in the parser's terms.</summary>
    /// <returns>The delta.</returns>
    public ToolCallDelta ToDelta() => new(Index, CallId, Name, ArgumentsDelta);
}
