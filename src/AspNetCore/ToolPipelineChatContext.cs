using Microsoft.AspNetCore.Http;

namespace ToolFlow.AspNetCore;

/// <summary>What the pipeline factory of <see cref="ToolPipelineChatEndpointRouteBuilderExtensions.MapToolPipelineChat"/> is told for each user message.</summary>
public sealed class ToolPipelineChatContext
{
    internal ToolPipelineChatContext(HttpContext httpContext, string conversationId, IReadOnlyDictionary<string, string> settings, int turn)
    {
        HttpContext = httpContext;
        ConversationId = conversationId;
        Settings = settings;
        Turn = turn;
    }

    /// <summary>The request that sent the user message.</summary>
    public HttpContext HttpContext { get; }

    /// <summary>The request's services.</summary>
    public IServiceProvider RequestServices => HttpContext.RequestServices;

    /// <summary>The conversation.</summary>
    public string ConversationId { get; }

    /// <summary>The settings the conversation was created with (for example a mode or a scenario).</summary>
    public IReadOnlyDictionary<string, string> Settings { get; }

    /// <summary>The model turn, counted across the conversation from 1, that the run starts with.</summary>
    public int Turn { get; }
}
