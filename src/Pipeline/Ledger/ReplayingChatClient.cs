using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace ToolFlow.Pipeline;

/// <summary>
/// The model of a resumed run: the turns the ledger holds complete answer with their recorded message, without
/// asking the model; later turns ask it. The run's source sends one request per turn, in order, so the n-th request
/// is turn n.
/// </summary>
internal sealed class ReplayingChatClient(IChatClient model, IReadOnlyDictionary<int, ChatMessage> replies) : DelegatingChatClient(model)
{
    private int _requests;

    public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        int turn = Interlocked.Increment(ref _requests);
        return replies.TryGetValue(turn, out ChatMessage? reply)
            ? ReplayAsync(reply, cancellationToken)
            : base.GetStreamingResponseAsync(messages, options, cancellationToken);
    }

    private static async IAsyncEnumerable<ChatResponseUpdate> ReplayAsync(ChatMessage reply, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await Task.CompletedTask.ConfigureAwait(false);
        bool calls = reply.Contents.Any(c => c is FunctionCallContent);
        yield return new ChatResponseUpdate(ChatRole.Assistant, [.. reply.Contents])
        {
            MessageId = reply.MessageId,
            AuthorName = reply.AuthorName,
            FinishReason = calls ? ChatFinishReason.ToolCalls : ChatFinishReason.Stop,
        };
    }
}
