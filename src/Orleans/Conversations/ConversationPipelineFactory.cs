using ToolFlow.AspNetCore;
using ToolFlow.Pipeline;

namespace ToolFlow.Orleans;

/// <summary>The silo's pipeline factory for conversation grains, as <see cref="ToolFlowConversationsSiloBuilderExtensions.AddToolFlowConversations"/> registered it.</summary>
internal sealed record ConversationPipelineFactory(Func<ToolPipelineChatContext, ToolPipeline> Create);
