using Microsoft.Extensions.AI;

namespace ToolFlow.Pipeline;

/// <summary>Plan mode sends planning requests to the planner and joining requests to the model that answers.</summary>
internal sealed class PlanRoutingChatClient(IChatClient planner, IChatClient answerer) : IChatClient
{
    public const string PhaseKey = "toolflow.plan.phase";
    public const string PlanPhase = "plan";

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        Route(options).GetResponseAsync(messages, options, cancellationToken);

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        Route(options).GetStreamingResponseAsync(messages, options, cancellationToken);

    public object? GetService(Type serviceType, object? serviceKey = null) => answerer.GetService(serviceType, serviceKey);

    public void Dispose()
    {
    }

    private IChatClient Route(ChatOptions? options) =>
        options?.AdditionalProperties?.TryGetValue(PhaseKey, out object? phase) == true && Equals(phase, PlanPhase) ? planner : answerer;
}
