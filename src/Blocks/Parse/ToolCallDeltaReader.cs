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
/// Each response reads its updates, in order, with the reader <see cref="ForResponse"/> returns. A call read from
/// fragments is the same call as the whole <see cref="FunctionCallContent"/> with its id that the client gives later;
/// the parser block runs it once.
/// </remarks>
public abstract class ToolCallDeltaReader
{
    /// <summary>
    /// Returns the reader for one response's updates. Default: this reader, for readers that keep no state; one that
    /// must remember something between a response's updates (which content blocks are calls) returns a new instance.
    /// </summary>
    /// <returns>The reader for one response.</returns>
    public virtual ToolCallDeltaReader ForResponse() => this;

    /// <summary>Reads one update's raw representation.</summary>
    /// <param name="rawRepresentation">The update's <see cref="ChatResponseUpdate.RawRepresentation"/>.</param>
    /// <param name="deltas">Receives the fragments the update carries, in order.</param>
    /// <returns>
    /// Whether the raw representation is of a kind this reader knows, even one with no fragment. Then the update's
    /// own <see cref="ToolCallUpdateContent"/>s are not read again.
    /// </returns>
    public abstract bool TryRead(object rawRepresentation, ICollection<ToolCallDelta> deltas);
}
