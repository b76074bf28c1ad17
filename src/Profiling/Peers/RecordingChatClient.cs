using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;
using ToolFlow.Providers.Scripted;

namespace ToolFlow.Profiling;

/// <summary>
/// Sits between a real library and the scripted model and records what the model sends, when it passes: the turn's
/// start, its first token, each call's closing fragment (the scripted token that completes its arguments) and the
/// end of the stream. It changes nothing in the stream.
/// </summary>
internal sealed class RecordingChatClient(IChatClient model, PeerRecorder recorder) : DelegatingChatClient(model)
{
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        int turn = recorder.TurnStarted();
        var calls = new Dictionary<int, (string Id, string Name)>();
        bool first = true;
        await foreach (ChatResponseUpdate update in base.GetStreamingResponseAsync(messages, options, cancellationToken).ConfigureAwait(false))
        {
            foreach (AIContent content in update.Contents)
            {
                if (first && content is TextContent { Text.Length: > 0 } or ToolCallUpdateContent)
                {
                    recorder.Token();
                    first = false;
                }

                if (content is ToolCallUpdateContent { Index: int index, CallId: { Length: > 0 } id, Name: { } name })
                {
                    calls[index] = (id, name);
                }
            }

            if (update.RawRepresentation is ScriptedToken { ClosesCall: int closes } && calls.TryGetValue(closes, out (string Id, string Name) call))
            {
                recorder.CallClosed(call.Id, call.Name, turn);
            }

            yield return update;
        }

        recorder.DecodeEnded();
    }
}
