namespace ToolFlow.AspNetCore;

/// <summary>One message of a conversation's snapshot.</summary>
/// <param name="Role"><c>user</c> or <c>assistant</c>.</param>
/// <param name="Turn">The model turn: for a user message, the turn that answers it.</param>
/// <param name="Text">The text; for the assistant message of a running turn, the text so far.</param>
public sealed record ToolPipelineChatMessage(string Role, int Turn, string Text);
