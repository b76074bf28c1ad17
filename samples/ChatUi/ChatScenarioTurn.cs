using Microsoft.Extensions.AI;
using ToolFlow.AspNetCore;
using ToolFlow.Profiling;

namespace ToolFlow.Samples.ChatUi;

/// <summary>What a <see cref="ChatScenario"/> is told when it configures a turn.</summary>
/// <param name="Mode">The conversation's mode: <see cref="ExecutionStrategy.Await"/> or <see cref="ExecutionStrategy.Futures"/>.</param>
/// <param name="TimeProvider">The app's clock.</param>
/// <param name="Chat">The endpoint's context: the request, the conversation id and settings, the turn number.</param>
public sealed record ChatScenarioTurn(ExecutionStrategy Mode, TimeProvider TimeProvider, ToolPipelineChatContext Chat)
{
    /// <summary>
    /// Where a tool runs: on a cluster node, a tool is sent to a worker node that hosts a tool of its name
    /// (<see cref="ChatUiOptions.WorkerTools"/>); alone, it runs as it is.
    /// </summary>
    public Func<AIFunction, AIFunction> Place { get; init; } = static tool => tool;
}
