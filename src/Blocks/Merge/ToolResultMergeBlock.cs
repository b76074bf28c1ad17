using Microsoft.Extensions.AI;

namespace ToolFlow.Blocks;

/// <summary>
/// The end of the mesh. Numbers every event in the order it arrives (completion order, what a UI wants) and, once a
/// response is parsed and each of its calls has an outcome, offers <see cref="TurnCompleted"/> with the turn's
/// messages: the assistant message, then the results as <see cref="FunctionResultContent"/> in call order (what the
/// model and its prompt cache want).
/// </summary>
public sealed class ToolResultMergeBlock : ToolEventBlock<ToolPipelineEvent>
{
    private readonly Dictionary<string, ToolPipelineEvent> _outcomes = new(StringComparer.Ordinal);

    // Responses still waiting for outcomes, in arrival order. Usually one; several when a mesh streams the next
    // request (another conversation, say) before the last turn's tools finish, and no turn may be dropped then.
    private readonly List<ResponseCompleted> _responses = [];
    private long _sequence;

    private readonly Dictionary<string, ToolCall> _futures = new(StringComparer.Ordinal);
    private readonly bool _useFutures;

    /// <summary>Initializes the block.</summary>
    /// <param name="options">Clock, scheduler and cancellation, or <see langword="null"/> for the defaults.</param>
    public ToolResultMergeBlock(ToolBlockOptions? options = null)
        : base(options is ToolResultMergeBlockOptions merge ? merge.Clone() : options ?? new ToolBlockOptions())
    {
        _useFutures = Options is ToolResultMergeBlockOptions { UseFutures: true };
    }

    /// <summary>The sequence number of the last event offered.</summary>
    public long LastSequence => Volatile.Read(ref _sequence);

    private protected override Task HandleAsync(ToolPipelineEvent message)
    {
        Number(message);
        switch (message)
        {
            case ToolCallCompleted completed:
                Record(completed.Call, completed);
                break;
            case ToolCallFailed failed:
                Record(failed.Call, failed);
                break;
            case ResponseCompleted response:
                _responses.Add(response);
                break;
            default:
                return Task.CompletedTask;
        }

        for (int i = 0; i < _responses.Count;)
        {
            if (TryCompleteTurn(_responses[i]))
            {
                _responses.RemoveAt(i);
            }
            else
            {
                i++;
            }
        }

        return Task.CompletedTask;
    }

    private void Record(ToolCall call, ToolPipelineEvent outcome)
    {
        if (_futures.Remove(call.CallId))
        {
            // Its turn is over: the conversation swaps the placeholder for this result.
            Number(new FutureResolved(call, ToResult(call, outcome)) { Turn = outcome.Turn });
            return;
        }

        _outcomes[call.CallId] = outcome;
    }

    private static FunctionResultContent ToResult(ToolCall call, ToolPipelineEvent outcome) => outcome switch
    {
        ToolCallCompleted completed => new FunctionResultContent(call.CallId, completed.Result),
        ToolCallFailed failed => new FunctionResultContent(call.CallId, failed.ResultForModel) { Exception = failed.Exception },
        _ => throw new InvalidOperationException("Unreachable: outcomes hold only completions and failures."),
    };

    private void Number(ToolPipelineEvent message) => Emit(message with { Sequence = Interlocked.Increment(ref _sequence) });

    private bool TryCompleteTurn(ResponseCompleted response)
    {
        // In futures mode a turn ends with its response, except that await_future is the model asking to wait;
        // otherwise a turn waits for every outcome.
        foreach (ToolCall call in response.Calls)
        {
            if (!_outcomes.ContainsKey(call.CallId) && (!_useFutures || call.Name == ToolFuture.AwaitToolName))
            {
                return false;
            }
        }

        var messages = new List<ChatMessage>(2) { response.Message };
        var futures = new List<string>();
        if (response.Calls.Count > 0)
        {
            var results = new List<AIContent>(response.Calls.Count);
            foreach (ToolCall call in response.Calls)
            {
                if (_outcomes.Remove(call.CallId, out ToolPipelineEvent? outcome))
                {
                    results.Add(ToResult(call, outcome));
                }
                else
                {
                    _futures[call.CallId] = call;
                    futures.Add(call.CallId);
                    results.Add(new FunctionResultContent(call.CallId, ToolFuture.Placeholder(call)));
                }
            }

            messages.Add(new ChatMessage(ChatRole.Tool, results));
        }

        Number(new TurnCompleted(messages, response) { Turn = response.Turn, PendingFutures = futures });
        return true;
    }
}
