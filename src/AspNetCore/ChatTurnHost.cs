using Microsoft.AspNetCore.Http;
using ToolFlow.Pipeline;

namespace ToolFlow.AspNetCore;

/// <summary>Where a turn's run is hosted: the request that asked for it (none in a grain), the services, the conversation's ledger and the run's options.</summary>
internal sealed record ChatTurnHost(HttpContext? Http, IServiceProvider Services, IToolCallLedger? Ledger = null, ToolPipelineRunOptions? RunOptions = null)
{
    public ToolPipelineChatContext ContextFor(ToolPipelineChatConversation conversation, int turn) =>
        new(Http, Services, conversation.Id, conversation.Settings, turn, Ledger);
}
