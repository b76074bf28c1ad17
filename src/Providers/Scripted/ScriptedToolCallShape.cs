namespace ToolFlow.Providers.Scripted;

/// <summary>How the scripted model writes its tool calls.</summary>
public enum ScriptedToolCallShape
{
    /// <summary>As OpenAI chat completions streams them: an id and name, then argument fragments (<see cref="Blocks.ToolCallUpdateContent"/>).</summary>
    OpenAIDeltas,

    /// <summary>As text, in the Hermes format: <c>&lt;tool_call&gt;{"name": ..., "arguments": {...}}&lt;/tool_call&gt;</c>.</summary>
    HermesText,

    /// <summary>
    /// As <c>Microsoft.Extensions.AI.OpenAI</c>'s chat client streams them: the fragments of
    /// <see cref="OpenAIDeltas"/> as they decode, then each call whole, as a <c>FunctionCallContent</c> under the same
    /// call id, in one last update at the instant of the last token. Clients that only understand whole calls (such as
    /// <c>FunctionInvokingChatClient</c>) and ToolFlow then read the same stream.
    /// </summary>
    OpenAIDeltasThenWholeCalls,
}
