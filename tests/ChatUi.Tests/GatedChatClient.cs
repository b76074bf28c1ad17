using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace ToolFlow.Samples.ChatUi.Tests;

/// <summary>
/// A model whose stream the test holds: each turn is a list of steps (text, a whole call, or a gate the stream waits
/// at), so a test shows ordering ("the card ran before the text ended") by gates, never by time.
/// </summary>
internal sealed class GatedChatClient(Func<int, IReadOnlyList<GatedChatClient.Step>> script) : IChatClient
{
    public static Step Text(string text) => new(text, null, null, null, null);

    public static Step Call(string id, string name, string argumentsJson) => new(null, id, name, argumentsJson, null);

    public static Step Wait(Task gate) => new(null, null, null, null, gate);

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken);

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        int turn = messages.Count(m => m.Role == ChatRole.Assistant) + 1;
        string responseId = $"response_{turn}";
        IReadOnlyList<Step> steps = script(turn);
        foreach (Step step in steps)
        {
            if (step.Gate is { } gate)
            {
                await gate.WaitAsync(cancellationToken);
                continue;
            }

            AIContent content = step.Text is { } text
                ? new TextContent(text)
                : new FunctionCallContent(step.CallId!, step.Name!, JsonSerializer.Deserialize<Dictionary<string, object?>>(step.ArgumentsJson!));
            yield return new ChatResponseUpdate(ChatRole.Assistant, [content]) { ResponseId = responseId, MessageId = responseId };
            await Task.Yield();
        }

        yield return new ChatResponseUpdate
        {
            ResponseId = responseId,
            FinishReason = steps.Any(s => s.CallId is not null) ? ChatFinishReason.ToolCalls : ChatFinishReason.Stop,
        };
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }

    /// <summary>One step of a turn.</summary>
    internal sealed record Step(string? Text, string? CallId, string? Name, string? ArgumentsJson, Task? Gate);
}
