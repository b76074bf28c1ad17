namespace ToolFlow.Providers.Scripted;

/// <summary>How the scripted model writes its tool calls.</summary>
public enum ScriptedToolCallShape
{
    /// <summary>As OpenAI chat completions streams them: an id and name, then argument fragments (<see cref="Blocks.ToolCallUpdateContent"/>).</summary>
    OpenAIDeltas,

    /// <summary>As text, in the Hermes format: <c>&lt;tool_call&gt;{"name": ..., "arguments": {...}}&lt;/tool_call&gt;</c>.</summary>
    HermesText,
}
