using Microsoft.AspNetCore.Http;
using ToolFlow.Pipeline;

namespace ToolFlow.AspNetCore;

/// <summary>What the pipeline factory of <see cref="ToolPipelineChatEndpointRouteBuilderExtensions.MapToolPipelineChat"/> is told for each user message.</summary>
public sealed class ToolPipelineChatContext
{
    internal ToolPipelineChatContext(HttpContext? httpContext, IServiceProvider services, string conversationId, IReadOnlyDictionary<string, string> settings, int turn, IToolCallLedger? ledger = null)
    {
        HttpContext = httpContext;
        RequestServices = services;
        ConversationId = conversationId;
        Settings = settings;
        Turn = turn;
        Ledger = ledger;
    }

    /// <summary>
    /// The request that sent the user message; <see langword="null"/> when the run is hosted away from any request
    /// (a conversation grain of ToolFlow.Orleans, which may also start a turn again after its node was lost).
    /// </summary>
    public HttpContext? HttpContext { get; }

    /// <summary>The request's services; in a conversation grain, the silo's services.</summary>
    public IServiceProvider RequestServices { get; }

    /// <summary>The conversation.</summary>
    public string ConversationId { get; }

    /// <summary>The settings the conversation was created with (for example a mode or a scenario).</summary>
    public IReadOnlyDictionary<string, string> Settings { get; }

    /// <summary>The model turn, counted across the conversation from 1, that the run starts with.</summary>
    public int Turn { get; }

    /// <summary>
    /// The conversation's own ledger, when its host keeps one (a conversation grain keeps it in grain storage);
    /// otherwise <see langword="null"/>. Build the pipeline with <c>WithLedger(context.Ledger)</c> so that a turn cut
    /// short by a lost node resumes without running its completed calls again.
    /// </summary>
    public IToolCallLedger? Ledger { get; }
}
