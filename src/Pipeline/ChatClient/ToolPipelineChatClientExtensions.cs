using Microsoft.Extensions.AI;

namespace ToolFlow.Pipeline;

/// <summary>Wraps any <see cref="IChatClient"/> with ToolFlow's tool execution.</summary>
public static class ToolPipelineChatClientExtensions
{
    /// <summary>
    /// Returns a client that runs the tools in each request's <see cref="ChatOptions.Tools"/> through a
    /// <see cref="ToolPipeline"/>, like <c>FunctionInvokingChatClient</c> but starting each call the moment it closes.
    /// </summary>
    /// <param name="chatClient">The model.</param>
    /// <param name="configure">Configures each request's pipeline.</param>
    /// <returns>The wrapping client.</returns>
    public static ToolPipelineChatClient AsToolPipelineClient(this IChatClient chatClient, Action<ToolPipelineBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(chatClient);
        return new ToolPipelineChatClient(chatClient, configure);
    }
}
