using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace ToolFlow.AspNetCore.Tests;

/// <summary>
/// Holds a model's stream at the first text after a tool call until the test lets it go, so a test can show, by
/// order alone, that the call started while the model was still talking.
/// </summary>
internal sealed class HoldingChatClient(IChatClient inner) : DelegatingChatClient(inner)
{
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Release() => _release.TrySetResult();

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        bool afterCall = false;
        await foreach (ChatResponseUpdate update in base.GetStreamingResponseAsync(messages, options, cancellationToken))
        {
            if (afterCall && update.Contents.Any(c => c is TextContent))
            {
                await _release.Task.WaitAsync(cancellationToken);
                afterCall = false;
            }

            afterCall |= update.Contents.Any(c => c is not TextContent);
            yield return update;
        }
    }
}
