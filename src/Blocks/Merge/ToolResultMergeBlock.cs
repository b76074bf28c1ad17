using System.Collections.Concurrent;
using System.Reactive.Subjects;
using System.Threading.Tasks.Dataflow;
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
/// <para>
/// Budgets (see <see cref="ToolResultMergeBlockOptions.MaxResultTokens"/>): a result with a budget is counted and cut
/// on the block's scheduler, off this path, so a slow trimmer delays only its own call; its
/// <see cref="ToolCallCompleted"/> (with <see cref="ToolCallCompleted.ResultForModel"/>) is numbered when the cut comes
/// back, after its <see cref="ToolResultTrimmed"/>. A turn's budget is applied where the turn's results are joined: the
/// block takes no further message until that turn's <see cref="TurnCompleted"/> is out.
/// </para>
/// </remarks>
public sealed partial class ToolResultMergeBlock : ToolEventBlock<ToolPipelineEvent>
{
    private readonly CallOutcomes _outcomes = new();
    private readonly bool _useFutures;
    private readonly ToolResultMergeBlockOptions? _budgets;
    private readonly Dictionary<string, ToolDescriptor> _tools = new(StringComparer.Ordinal);
    private readonly ResultTrimming? _trimming;

    // Cuts under way (their tasks, for the end of input) and those that came back after the input completed. Both
    // are touched from the trims' threads.
    private readonly ConcurrentDictionary<Task, byte> _trims = new();
    private readonly ConcurrentQueue<ToolPipelineEvent> _late = new();

    // Handler-only: counts of results already counted (whole, and as the model sees them), for a turn's budget; and a
    // turn's cut under way, which the handler returns so the next message waits for it.
    private readonly Dictionary<string, (int Whole, int ForModel)> _counted = new(StringComparer.Ordinal);
    private Task? _turnWork;

    // Made once per block, so a turn or a future costs no delegate of its own.
    private readonly Action<ResponseCompleted, AsyncSubject<ToolPipelineEvent>[]> _completeTurn;
    private readonly IObserver<ToolPipelineEvent> _resolveFuture;
    private long _sequence;

    /// <summary>Initializes the block.</summary>
    /// <param name="options">Clock, scheduler and cancellation, or <see langword="null"/> for the defaults.</param>
    public ToolResultMergeBlock(ToolBlockOptions? options = null)
        : this([], options)
    {
    }

    /// <summary>Initializes the block with the tools whose own result budgets (<see cref="ToolDescriptor.MaxResultTokens"/>) it applies.</summary>
    /// <param name="tools">The tools, by name.</param>
    /// <param name="options">Clock, scheduler, cancellation and budgets, or <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentException">A budget is set but no <see cref="ToolResultMergeBlockOptions.TokenCounter"/>.</exception>
    public ToolResultMergeBlock(IEnumerable<ToolDescriptor> tools, ToolBlockOptions? options = null)
        : base(options is ToolResultMergeBlockOptions merge ? merge.Clone() : options ?? new ToolBlockOptions())
    {
        ArgumentNullException.ThrowIfNull(tools);
        _useFutures = Options is ToolResultMergeBlockOptions { UseFutures: true };
        _completeTurn = CompleteTurn;
        _resolveFuture = new FutureObserver(ResolveFuture);
        bool anyBudget = Options is ToolResultMergeBlockOptions { HasBudget: true };
        foreach (ToolDescriptor tool in tools)
        {
            // Only tools with their own budget or trimmer need looking up.
            if (tool.MaxResultTokens is not null || tool.ResultTrimmer is not null)
            {
                _tools[tool.Name] = tool;
                anyBudget |= tool.MaxResultTokens is not null;
            }
        }

        if (anyBudget)
        {
            _budgets = Options as ToolResultMergeBlockOptions ?? new ToolResultMergeBlockOptions();
            ITokenCounter counter = _budgets.TokenCounter
                ?? throw new ArgumentException("A result budget is set but no TokenCounter to count it with.", nameof(options));
            _trimming = new ResultTrimming(counter, _budgets.TrimTimeout, TimeProvider, _budgets.ResultsReferable);
        }
    }

    /// <summary>The sequence number of the last event offered.</summary>
    public long LastSequence => Volatile.Read(ref _sequence);

    private protected override Task HandleAsync(ToolPipelineEvent message)
    {
        if (message is TrimmedResult trimmed)
        {
            Accept(trimmed);
            return TakeTurnWork();
        }

        if (message is ToolCallCompleted budgeted && _trimming is not null && BudgetFor(budgeted.Call) is { } budget && !SurelyWithin(budgeted.Result, budget))
        {
            StartTrim(budgeted, budget);
            return Task.CompletedTask;
        }

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

        return TakeTurnWork();
    }

    private protected override async Task OnInputCompletedAsync()
    {
        // Cuts still under way when the input completed post nowhere: wait for them and take what they gave here.
        while (!_trims.IsEmpty || !_late.IsEmpty)
        {
            await Task.WhenAll(_trims.Keys).ConfigureAwait(false);
            while (_late.TryDequeue(out ToolPipelineEvent? late))
            {
                await HandleAsync(late).ConfigureAwait(false);
            }
        }
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
        if (_budgets?.MaxTurnResultTokens is { } turnBudget && outcomes.Any(o => o.IsCompleted && o.GetResult() is ToolCallCompleted))
        {
            // The subscriptions of futures are made now, in the handler; the turn's event follows its cut.
            AsyncSubject<ToolPipelineEvent>[] snapshot = [.. outcomes];
            SubscribeFutures(outcomes);
            Task cut = Task.Factory.StartNew(() => CompleteTurnWithinBudgetAsync(response, snapshot, turnBudget), CancellationToken, TaskCreationOptions.DenyChildAttach, TaskScheduler).Unwrap();
            _turnWork = _turnWork is null ? cut : Task.WhenAll(_turnWork, cut);
            return;
        }

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

    private Task TakeTurnWork()
    {
        Task? work = _turnWork;
        _turnWork = null;
        return work ?? Task.CompletedTask;
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
        _counted.Remove(call.CallId);
        Number(new FutureResolved(call, ToResult(call, outcome)) { Turn = outcome.Turn });
    }

    private static FunctionResultContent ToResult(ToolCall call, ToolPipelineEvent outcome) => outcome switch
    {
        ToolCallCompleted completed => new FunctionResultContent(call.CallId, completed.ResultForModel ?? completed.Result),
        ToolCallFailed failed => new FunctionResultContent(call.CallId, failed.ResultForModel) { Exception = failed.Exception },
        _ => throw new InvalidOperationException("Unreachable: outcomes hold only completions and failures."),
    };

    private void Number(ToolPipelineEvent message) => Emit(message with { Sequence = Interlocked.Increment(ref _sequence) });
}
