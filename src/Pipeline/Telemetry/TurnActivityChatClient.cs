using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace ToolFlow.Pipeline;

/// <summary>
/// The model as a traced run's source sees it: each request runs with the current turn's span as
/// <see cref="Activity.Current"/>, so the model's own spans (<c>chat {model}</c> from <c>UseOpenTelemetry</c>) are
/// children of the turn and <see cref="RequestSpanWatcher"/> can tie them to it.
/// </summary>
internal sealed class TurnActivityChatClient(IChatClient innerClient, RunTelemetry telemetry) : DelegatingChatClient(innerClient)
{
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // Set inside this iterator only: the change does not reach the source block that enumerates it.
        Activity? turn = telemetry.CurrentTurn;
        if (turn is not null)
        {
            Activity.Current = turn;
        }

        await foreach (ChatResponseUpdate update in base.GetStreamingResponseAsync(messages, options, cancellationToken).ConfigureAwait(false))
        {
            yield return update;

            // After a yield the iterator resumes in its caller's context; the rest of the stream stays under the turn.
            if (turn is not null)
            {
                Activity.Current = turn;
            }
        }
    }
}
