using Microsoft.Extensions.DependencyInjection;
using ToolFlow.AspNetCore;
using ToolFlow.Pipeline;

namespace ToolFlow.Orleans;

/// <summary>Hosts conversation grains on a silo.</summary>
public static class ToolFlowConversationsSiloBuilderExtensions
{
    /// <summary>
    /// Lets this silo host conversation grains (<see cref="IConversationGrain"/>): each turn's pipeline is made by
    /// <paramref name="pipelineFactory"/> on the silo that hosts the conversation, with
    /// <see cref="ToolPipelineChatContext.HttpContext"/> <see langword="null"/>, <see cref="ToolPipelineChatContext.RequestServices"/>
    /// the silo's services and <see cref="ToolPipelineChatContext.Ledger"/> the conversation's ledger. Every silo that
    /// may host conversations must call it, and register the grain storage named by
    /// <see cref="ToolFlowConversationsOptions.StorageName"/> (default <c>"Default"</c>) on a store all silos share.
    /// </summary>
    /// <param name="builder">The silo.</param>
    /// <param name="pipelineFactory">The pipeline for a user message (see <c>MapToolPipelineChat</c>); build it <c>WithLedger(context.Ledger)</c> so a turn interrupted by a lost node resumes.</param>
    /// <param name="configure">Sets the options, or <see langword="null"/> for the defaults.</param>
    /// <returns><paramref name="builder"/>.</returns>
    public static ISiloBuilder AddToolFlowConversations(this ISiloBuilder builder, Func<ToolPipelineChatContext, ToolPipeline> pipelineFactory, Action<ToolFlowConversationsOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(pipelineFactory);
        builder.Services.AddOptions<ToolPipelineChatOptions>();
        var options = builder.Services.AddOptions<ToolFlowConversationsOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        builder.Services.AddSingleton(new ConversationPipelineFactory(pipelineFactory));
        return builder;
    }
}
