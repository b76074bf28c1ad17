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
    /// <remarks>
    /// <para>
    /// The recommended order, outermost first (a second <c>UseOpenTelemetry</c> after <c>UseToolPipeline</c> adds a
    /// span per model request):
    /// </para>
    /// <code>
    /// IChatClient client = new ChatClientBuilder(model)
    ///     .UseOpenTelemetry()             // one chat span per request, the whole exchange, cache hits included
    ///     .UseDistributedCache(cache)     // a repeated request: no model call, no tool runs
    ///     .UseToolPipeline(p => p.WithMaxConcurrency(8))
    ///     .UseLogging(loggerFactory)      // one entry per model request, with the conversation the pipeline sends
    ///     .Build();
    /// </code>
    /// <para>
    /// <c>UseDistributedCache</c> before <c>UseToolPipeline</c> caches whole exchanges: a hit returns the final answer
    /// with every tool call and result of the first run, without calling the model or running any tool again. Its key
    /// is the messages and options without <see cref="ChatOptions.Tools"/>, which the framework leaves out of cache
    /// keys. Use that order when the tools' results may be reused; when they must run on every request, put the cache
    /// after <c>UseToolPipeline</c>, where it caches each model turn: a hit replays that turn at once (its calls close
    /// together), the tools run again, and the next turn is a hit only if their results are the same. There, with one
    /// of ToolFlow's model clients, whose streams carry <see cref="ToolFlow.Blocks.ToolCallUpdateContent"/>, give the
    /// cache <see cref="ToolFlow.Blocks.ToolFlowJsonUtilities.DefaultOptions"/>, or writing the turn fails the request
    /// with a <see cref="NotSupportedException"/>; the framework's own clients need nothing. The same settings let a
    /// <c>UseLogging</c> after <c>UseToolPipeline</c> write those fragments at trace level instead of <c>{}</c>.
    /// </para>
    /// <para>
    /// Tools start early only if they are read-only or idempotent: tools in <see cref="ChatOptions.Tools"/> are
    /// described by <see cref="ToolPipelineChatClient.DescriptorFactory"/>, by default from their metadata
    /// (<see cref="ToolFlow.Blocks.ToolDescriptor.FromMetadata"/>); an unannotated tool waits for the response to end.
    /// A model stream that fails ends the request with its exception, which the middlewares before this one see.
    /// </para>
    /// </remarks>
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
