using Microsoft.Extensions.AI;
using ToolFlow.Blocks;

namespace ToolFlow.Pipeline;

/// <summary>
/// Futures mode (AsyncFC): a turn ends with its response, calls still running standing as placeholders. A value that
/// arrives replaces its placeholder before any later turn reads it, and an answer given while futures are pending is
/// not final: the model is asked again once every future has its value.
/// </summary>
internal sealed class FuturesRun(ToolPipeline pipeline, List<ChatMessage> history, CancellationToken cancellationToken)
    : AwaitRun(pipeline, history, cancellationToken)
{
    private readonly HashSet<string> _pendingFutures = new(StringComparer.Ordinal);
    private bool _answerWaitsForFutures;

    protected override void OnTurnCompleted(TurnCompleted completed)
    {
        _pendingFutures.UnionWith(completed.PendingFutures);
        if (!completed.HasToolCalls && _pendingFutures.Count > 0)
        {
            // The model answered while results were still futures: that answer cannot be final.
            _answerWaitsForFutures = true;
            return;
        }

        base.OnTurnCompleted(completed);
    }

    protected override void OnFutureResolved(FutureResolved resolved)
    {
        // The placeholder in the conversation becomes the value, before any later turn reads it.
        List<ChatMessage> history = History;
        for (int i = history.Count - 1; i >= 0; i--)
        {
            ChatMessage message = history[i];
            if (message.Role == ChatRole.Tool && message.Contents.Any(c => c is FunctionResultContent r && r.CallId == resolved.Call.CallId))
            {
                history[i] = new ChatMessage(ChatRole.Tool, [.. message.Contents.Select(c => c is FunctionResultContent r && r.CallId == resolved.Call.CallId ? resolved.Result : c)]);
                break;
            }
        }

        MarkEnded(resolved.Timestamp);
        if (_pendingFutures.Remove(resolved.Call.CallId) && _pendingFutures.Count == 0 && _answerWaitsForFutures)
        {
            _answerWaitsForFutures = false;
            NextTurn();
        }
    }
}
