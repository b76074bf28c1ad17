using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ToolFlow.AspNetCore;

namespace ToolFlow.Orleans;

/// <summary>Serves the chat endpoints from conversation grains.</summary>
public static class ToolPipelineChatOrleansServiceCollectionExtensions
{
    /// <summary>
    /// Adds the chat endpoints' services with conversations as grains: after it, <c>app.MapToolPipelineChat(prefix, ...)</c>
    /// reaches each conversation's <see cref="IConversationGrain"/> wherever it lives, through this app's
    /// <see cref="IGrainFactory"/> (a silo co-hosted in the app, or an Orleans client). Routes, wire shape and limits
    /// are those of the local endpoints. The factory given to <c>MapToolPipelineChat</c> is not called in this mode:
    /// the silos' factory (<see cref="ToolFlowConversationsSiloBuilderExtensions.AddToolFlowConversations"/>) makes
    /// every pipeline.
    /// </summary>
    /// <param name="services">The app's services.</param>
    /// <param name="configure">Sets the endpoints' options, or <see langword="null"/> for the defaults.</param>
    /// <returns><paramref name="services"/>.</returns>
    /// <remarks>
    /// The app's options give the owner, the request limits, <see cref="ToolPipelineChatOptions.MaxConversationsPerOwner"/>
    /// (counted across the cluster), <see cref="ToolPipelineChatOptions.MaxStreamsPerConversation"/> and
    /// <see cref="ToolPipelineChatOptions.ClientBufferCapacity"/>; the silo hosting a conversation reads its own
    /// <see cref="ToolPipelineChatOptions"/> for the replay log, result previews and the clock (the same options when
    /// the silo is co-hosted).
    /// </remarks>
    public static IServiceCollection AddToolPipelineChatOnOrleans(this IServiceCollection services, Action<ToolPipelineChatOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddToolPipelineChat(configure);
        services.RemoveAll<IConversationHost>();
        services.AddSingleton<IConversationHost, OrleansConversationHost>();
        return services;
    }
}
