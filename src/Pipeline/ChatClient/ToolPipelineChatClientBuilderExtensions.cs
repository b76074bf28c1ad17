using Microsoft.Extensions.AI;

namespace ToolFlow.Pipeline;

/// <summary>Puts ToolFlow's tool execution into a <see cref="ChatClientBuilder"/> chain.</summary>
public static class ToolPipelineChatClientBuilderExtensions
{
    /// <summary>
    /// Adds a <see cref="ToolPipelineChatClient"/> to the chain, where <c>UseFunctionInvocation</c> would go: the
    /// middlewares added before it (for instance <c>UseOpenTelemetry</c>, <c>UseLogging</c>,
    /// <c>UseDistributedCache</c>) see the whole exchange, tools included; those added after it see each model request.
    /// </summary>
    /// <param name="builder">The chain.</param>
    /// <param name="configure">Configures each request's pipeline: tools with their descriptors, delta readers, caps, clock.</param>
    /// <param name="configureClient">Configures the client, for instance its <see cref="ToolPipelineChatClient.DescriptorFactory"/>.</param>
    /// <returns>The chain.</returns>
    public static ChatClientBuilder UseToolPipeline(
        this ChatClientBuilder builder,
        Action<ToolPipelineBuilder>? configure = null,
        Action<ToolPipelineChatClient>? configureClient = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Use(inner =>
        {
            var client = new ToolPipelineChatClient(inner, configure);
            configureClient?.Invoke(client);
            return client;
        });
    }
}
