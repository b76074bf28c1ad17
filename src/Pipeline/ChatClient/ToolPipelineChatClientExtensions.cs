using Microsoft.Extensions.AI;

namespace ToolFlow.Pipeline;

/// <summary>Wraps any <see cref="IChatClient"/> with ToolFlow's tool execution.</summary>
public static class ToolPipelineChatClientExtensions
{
    /// <summary>
    /// Returns a client that runs the tools in each request's <see cref="ChatOptions.Tools"/> through a
    /// <see cref="ToolPipeline"/>, like <c>FunctionInvokingChatClient</c> but starting each call the moment it closes.
    /// </summary>
    /// <remarks>
    /// Only tools declared read-only or idempotent start mid-decode: by MCP hints in their additional properties
    /// (<see cref="ToolFlow.Blocks.ToolHints"/>), a <see cref="ToolFlow.Blocks.ToolEffectsAttribute"/> on their method,
    /// an MCP client tool's annotations, or a <see cref="ToolPipelineChatClient.DescriptorFactory"/>. An unannotated
    /// tool is side-effecting and waits for the response to end, as with <c>FunctionInvokingChatClient</c>.
    /// </remarks>
    /// <param name="chatClient">The model.</param>
    /// <param name="configure">Configures each request's pipeline.</param>
    /// <returns>The wrapping client.</returns>
    public static ToolPipelineChatClient AsToolPipelineClient(this IChatClient chatClient, Action<ToolPipelineBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(chatClient);
        return new ToolPipelineChatClient(chatClient, configure);
    }
}
