using Microsoft.Extensions.AI;

namespace ToolFlow.Blocks;

/// <summary>A request for one model turn, the input of <see cref="ChatModelSourceBlock"/>.</summary>
/// <param name="Turn">The turn number, from 1.</param>
/// <param name="Messages">The conversation so far.</param>
/// <param name="Options">The chat options, with the tools the model may call.</param>
public sealed record ModelRequest(int Turn, IReadOnlyList<ChatMessage> Messages, ChatOptions? Options);
