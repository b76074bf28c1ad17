using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;
using ToolFlow.Providers.Scripted;

namespace ToolFlow.Profiling;

/// <summary>
/// Runs one scenario conversation through a real library, as its users build it: <c>FunctionInvokingChatClient</c>
/// over the model, or <c>ChatClientAgent</c> (which adds its own function-invoking client), each streaming.
/// </summary>
internal static class PeerRunner
{
    public static async Task RunConversationAsync(
        Scenario scenario,
        int index,
        ExecutionStrategy strategy,
        ScenarioRealization realization,
        TimeProvider clock,
        RunTimeline timeline,
        CancellationToken cancellationToken)
    {
        ScenarioConversation conversation = scenario.Conversations[index];
        var recorder = new PeerRecorder(timeline, clock);
        var calls = new PeerCalls(conversation);
        AITool[] tools = [.. scenario.Tools.Values.Select(t => new PeerToolFunction(new ScenarioFunction(t.Name, index, realization, clock, t.Overload), t, calls, recorder, clock))];
        using var model = new RecordingChatClient(ScenarioPipeline.Model(scenario, conversation, clock), recorder);
        ChatMessage[] prompt = [new ChatMessage(ChatRole.User, conversation.Prompt)];
        switch (strategy)
        {
            case ExecutionStrategy.Ficc or ExecutionStrategy.FiccConcurrent:
                using (var client = new FunctionInvokingChatClient(model) { AllowConcurrentInvocation = strategy == ExecutionStrategy.FiccConcurrent })
                {
                    await foreach (ChatResponseUpdate _ in client.GetStreamingResponseAsync(prompt, new ChatOptions { Tools = tools }, cancellationToken).ConfigureAwait(false))
                    {
                    }
                }

                break;
            case ExecutionStrategy.Agent or ExecutionStrategy.AgentConcurrent:
                var agent = new ChatClientAgent(model, new ChatClientAgentOptions
                {
                    ChatOptions = new ChatOptions { Tools = tools },
                    AllowConcurrentInvocation = strategy == ExecutionStrategy.AgentConcurrent,
                });
                await foreach (AgentResponseUpdate _ in agent.RunStreamingAsync(prompt, session: null, options: null, cancellationToken).ConfigureAwait(false))
                {
                }

                break;
            default:
                throw new ArgumentException($"The strategy '{strategy.ToName()}' is not a real library.", nameof(strategy));
        }

        recorder.RunEnded();
    }
}
