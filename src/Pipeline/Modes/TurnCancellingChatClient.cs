using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace ToolFlow.Pipeline;

/// <summary>
/// The model as a run's source sees it: once the run's turn is cancelled, the stream under way ends cleanly where it
/// is (no error, so the turn completes with what it has) and any later request yields nothing.
/// </summary>
internal sealed class TurnCancellingChatClient(IChatClient innerClient, CancellationToken turnCancelled) : DelegatingChatClient(innerClient)
{
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (turnCancelled.IsCancellationRequested)
        {
            yield break;
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, turnCancelled);
        IAsyncEnumerator<ChatResponseUpdate> updates = base.GetStreamingResponseAsync(messages, options, linked.Token).GetAsyncEnumerator(linked.Token);
        try
        {
            while (true)
            {
                bool more;
                try
                {
                    more = await updates.MoveNextAsync().ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (turnCancelled.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    yield break;
                }

                // A model that ignores its token still stops here: nothing after the cancellation reaches the parser.
                if (!more || turnCancelled.IsCancellationRequested)
                {
                    yield break;
                }

                yield return updates.Current;
            }
        }
        finally
        {
            try
            {
                await updates.DisposeAsync().ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (turnCancelled.IsCancellationRequested)
            {
                // The cut stream's own cleanup saw the cancellation; the turn ends cleanly all the same.
            }
        }
    }
}
