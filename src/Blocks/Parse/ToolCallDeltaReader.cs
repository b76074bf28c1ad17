using Microsoft.Extensions.AI;
using ToolFlow.StreamParsers;

namespace ToolFlow.Blocks;

/// <summary>
/// Reads the fragments of tool calls from a provider's own streaming updates, which an <see cref="IChatClient"/>
/// leaves in <see cref="ChatResponseUpdate.RawRepresentation"/>. Standard clients (for instance
/// <c>Microsoft.Extensions.AI.OpenAI</c>'s) give each <see cref="FunctionCallContent"/> only when the stream ends; a
/// reader lets the parser block start each call the moment its arguments close.
/// </summary>
/// <remarks>
/// A reader is shared by every response and called from one response at a time per parser block, so it keeps no
/// state of its own. A call read from fragments is the same call as the whole <see cref="FunctionCallContent"/> with
/// its id that the client gives later; the parser block runs it once.
/// </remarks>
public abstract class ToolCallDeltaReader
{
    /// <summary>Reads one update's raw representation.</summary>
    /// <param name="rawRepresentation">The update's <see cref="ChatResponseUpdate.RawRepresentation"/>.</param>
    /// <param name="deltas">Receives the fragments the update carries, in order.</param>
    /// <returns>
    /// Whether the raw representation is of a kind this reader knows, even one with no fragment. Then the update's
    /// own <see cref="ToolCallUpdateContent"/>s are not read again.
    /// </returns>
    public abstract bool TryRead(object rawRepresentation, ICollection<ToolCallDelta> deltas);
}
