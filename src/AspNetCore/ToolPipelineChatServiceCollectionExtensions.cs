using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ToolFlow.AspNetCore;

/// <summary>Registers the services of the chat endpoints.</summary>
public static class ToolPipelineChatServiceCollectionExtensions
{
    /// <summary>
    /// Adds what <see cref="ToolPipelineChatEndpointRouteBuilderExtensions.MapToolPipelineChat"/> needs: the options,
    /// the conversation hubs and, unless one is registered already, an <see cref="InMemoryToolPipelineChatStore"/>.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options, or <see langword="null"/> for the defaults.</param>
    /// <returns><paramref name="services"/>.</returns>
    public static IServiceCollection AddToolPipelineChat(this IServiceCollection services, Action<ToolPipelineChatOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        OptionsBuilder<ToolPipelineChatOptions> options = services.AddOptions<ToolPipelineChatOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton<IToolPipelineChatStore, InMemoryToolPipelineChatStore>();
        services.TryAddSingleton<ConversationHubs>();
        services.TryAddSingleton<IConversationHost>(static services => services.GetRequiredService<ConversationHubs>());
        return services;
    }
}
