using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using ToolFlow.Pipeline;

namespace ToolFlow.AspNetCore;

/// <summary>Maps the chat endpoints: conversations, their SSE event stream and control of their calls (see the project's README for the wire shape).</summary>
public static class ToolPipelineChatEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the chat routes under <paramref name="prefix"/> on a route group, so the host's conventions apply to all
    /// of them (for example <c>.RequireAuthorization(policy)</c>).
    /// </summary>
    /// <param name="endpoints">The app.</param>
    /// <param name="prefix">The group's route prefix, for example <c>/chat</c>.</param>
    /// <param name="pipelineFactory">The pipeline for a user message; called once per message, and its run is <c>pipeline.Start(history)</c>.</param>
    /// <returns>The route group, for more conventions.</returns>
    /// <exception cref="InvalidOperationException"><see cref="ToolPipelineChatServiceCollectionExtensions.AddToolPipelineChat"/> was not called.</exception>
    public static RouteGroupBuilder MapToolPipelineChat(
        this IEndpointRouteBuilder endpoints,
        [StringSyntax("Route")] string prefix,
        Func<ToolPipelineChatContext, ToolPipeline> pipelineFactory)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentNullException.ThrowIfNull(pipelineFactory);
        if (endpoints.ServiceProvider.GetService<IConversationHost>() is null)
        {
            throw new InvalidOperationException("The chat services are missing: call services.AddToolPipelineChat() when building the app.");
        }

        var handlers = new ChatEndpoints(pipelineFactory);
        RouteGroupBuilder group = endpoints.MapGroup(prefix);
        group.AddEndpointFilter(ChatEndpoints.UnavailableAsync);
        group.MapPost("/conversations", handlers.CreateAsync);
        group.MapGet("/conversations/{id}", handlers.GetAsync);
        group.MapDelete("/conversations/{id}", handlers.DeleteAsync);
        group.MapGet("/conversations/{id}/events", handlers.EventsAsync);
        group.MapPost("/conversations/{id}/messages", handlers.PostMessageAsync);
        group.MapPost("/conversations/{id}/cancel", handlers.CancelTurnAsync);
        group.MapPost("/conversations/{id}/calls/{callId}/cancel", (HttpContext http, string id, string callId, CancellationToken ct) => handlers.ControlAsync(http, id, callId, ChatCallControl.Cancel, ct));
        group.MapPost("/conversations/{id}/calls/{callId}/cancel-branch", handlers.CancelBranchAsync);
        group.MapPost("/conversations/{id}/calls/{callId}/approve", (HttpContext http, string id, string callId, CancellationToken ct) => handlers.ControlAsync(http, id, callId, ChatCallControl.Approve, ct));
        group.MapPost("/conversations/{id}/calls/{callId}/deny", (HttpContext http, string id, string callId, CancellationToken ct) => handlers.ControlAsync(http, id, callId, ChatCallControl.Deny, ct));
        return group;
    }
}
