namespace ToolFlow.Providers.Scripted;

/// <summary>One piece of a <see cref="ScriptedResponse"/>: text, or a tool call.</summary>
/// <param name="Text">The text, for a text segment.</param>
/// <param name="CallName">The tool name, for a call.</param>
/// <param name="ArgumentsJson">The arguments text, for a call.</param>
public sealed record ScriptedSegment(string? Text, string? CallName, string? ArgumentsJson)
{
    /// <summary>Whether this segment is a tool call.</summary>
    public bool IsCall => CallName is not null;
}
