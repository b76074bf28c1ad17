using System.Reactive.Subjects;
using Microsoft.Extensions.AI;

namespace ToolFlow.Blocks;

/// <summary>
/// The end of the mesh. Numbers every event in the order it arrives (completion order, what a UI wants) and, once a
/// response is parsed and each of its calls has an outcome, offers <see cref="TurnCompleted"/> with the turn's
/// messages: the assistant message, then the results as <see cref="FunctionResultContent"/> in call order (what the
/// model and its prompt cache want).
/// </summary>
/// <remarks>
/// Each call's outcome is an observable, an <see cref="AsyncSubject{T}"/> made when the outcome or the response listing
/// the call arrives, whichever is first. Outcome events pass on as they arrive, which is completion order; a response's
/// turn observes the outcomes it still waits for and, when the last completes, takes every outcome in call order.
/// Everything runs in the handler, one message at a time, so an outcome's event is numbered before the turn or the
/// <see cref="FutureResolved"/> it completes. The join is a count rather than Rx's <c>ForkJoin</c>, which cost about
/// 280 more bytes per call on the result path.
/// </remarks>
public sealed class ToolResultMergeBlock : ToolEventBlock<ToolPipelineEvent>
{
    private readonly CallOutcomes _outcomes = new();
    private readonly bool _useFutures;

    // Made once per block, so a turn or a future costs no delegate of its own.
    private readonly Action<ResponseCompleted, AsyncSubject<ToolPipelineEvent>[]> _completeTurn;
    private readonly IObserver<ToolPipelineEvent> _resolveFuture;
    private long _sequence;

    /// <summary>Initializes the block.</summary>
    /// <param name="options">Clock, scheduler and cancellation, or <see langword="null"/> for the defaults.</param>
    public ToolResultMergeBlock(ToolBlockOptions? options = null)
        : base(options is ToolResultMergeBlockOptions merge ? merge.Clone() : options ?? new ToolBlockOptions())
    {
        _useFutures = Options is ToolResultMergeBlockOptions { UseFutures: true };
        _completeTurn = CompleteTurn;
        _resolveFuture = new FutureObserver(ResolveFuture);
    }

    /// <summary>The sequence number of the last event offered.</summary>
    public long LastSequence => Volatile.Read(ref _sequence);

    private protected override Task HandleAsync(ToolPipelineEvent message)
    {
        Number(message);
        switch (message)
        {
            case ToolCallCompleted completed:
                _outcomes.Record(completed.Call.CallId, completed);
                break;
            case ToolCallFailed failed:
                _outcomes.Record(failed.Call.CallId, failed);
                break;
            case ResponseCompleted response:
                AwaitOutcomes(response);
                break;
        }

        return Task.CompletedTask;
    }

    private void AwaitOutcomes(ResponseCompleted response)
    {
        IReadOnlyList<ToolCall> calls = response.Calls;
        AsyncSubject<ToolPipelineEvent>[] outcomes = calls.Count == 0 ? [] : new AsyncSubject<ToolPipelineEvent>[calls.Count];
        for (int i = 0; i < outcomes.Length; i++)
        {
            outcomes[i] = _outcomes.Claim(calls[i].CallId);
        }

        PendingTurn? pending = null;
        for (int i = 0; i < outcomes.Length; i++)
        {
            // In futures mode a turn ends with its response, except that await_future is the model asking to wait;
            // otherwise a turn waits for every outcome. Outcomes already in are not waited for.
            if (!outcomes[i].IsCompleted && (!_useFutures || calls[i].Name == ToolFuture.AwaitToolName))
            {
                (pending ??= new PendingTurn(response, outcomes, _completeTurn)).Await(outcomes[i]);
            }
        }

        if (pending is null)
        {
            CompleteTurn(response, outcomes);
        }
    }

    private void CompleteTurn(ResponseCompleted response, AsyncSubject<ToolPipelineEvent>[] outcomes)
    {
        var messages = new List<ChatMessage>(2) { response.Message };
        List<string>? futures = null;
        if (outcomes.Length > 0)
        {
            var results = new List<AIContent>(outcomes.Length);
            for (int i = 0; i < outcomes.Length; i++)
            {
                ToolCall call = response.Calls[i];
                AsyncSubject<ToolPipelineEvent> outcome = outcomes[i];
                if (outcome.IsCompleted)
                {
                    results.Add(ToResult(call, outcome.GetResult()));
                }
                else
                {
                    // A future: the conversation holds a placeholder until FutureResolved swaps in the result.
                    (futures ??= []).Add(call.CallId);
                    results.Add(new FunctionResultContent(call.CallId, ToolFuture.Placeholder(call)));
                    outcome.Subscribe(_resolveFuture);
                }
            }

            messages.Add(new ChatMessage(ChatRole.Tool, results));
        }

        Number(new TurnCompleted(messages, response) { Turn = response.Turn, PendingFutures = futures ?? [] });
    }

    private void ResolveFuture(ToolPipelineEvent outcome)
    {
        // Its turn is over: the conversation swaps the placeholder for this result.
        ToolCall call = outcome switch
        {
            ToolCallCompleted completed => completed.Call,
            ToolCallFailed failed => failed.Call,
            _ => throw new InvalidOperationException("Unreachable: outcomes hold only completions and failures."),
        };
        Number(new FutureResolved(call, ToResult(call, outcome)) { Turn = outcome.Turn });
    }

    private static FunctionResultContent ToResult(ToolCall call, ToolPipelineEvent outcome) => outcome switch
    {
        ToolCallCompleted completed => new FunctionResultContent(call.CallId, completed.Result),
        ToolCallFailed failed => new FunctionResultContent(call.CallId, failed.ResultForModel) { Exception = failed.Exception },
        _ => throw new InvalidOperationException("Unreachable: outcomes hold only completions and failures."),
    };

    private void Number(ToolPipelineEvent message) => Emit(message with { Sequence = Interlocked.Increment(ref _sequence) });
}
