using System.Reactive.Linq;
using System.Runtime.CompilerServices;
using System.Threading.Tasks.Dataflow;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;

namespace ToolFlow.Pipeline;

/// <summary>
/// Runs a conversation with tools as a streaming mesh: each call starts the moment its arguments are complete,
/// mid-decode; independent calls run side by side; results enter the conversation in call order; turns repeat
/// until the model answers without calls.
/// </summary>
/// <remarks>
/// A pipeline is immutable and thread-safe: build it once and run it for many requests. Each run gets its own mesh:
/// <c>source → parse → (your blocks) → execute → (your blocks) → merge</c>.
/// </remarks>
public sealed class ToolPipeline
{
    private readonly IChatClient _chatClient;
    private readonly ToolDescriptor[] _tools;
    private readonly ToolPipelineOptions _options;
    private readonly (ToolPipelineStage Stage, Func<IPropagatorBlock<ToolPipelineEvent, ToolPipelineEvent>> Factory)[] _inserted;

    internal ToolPipeline(
        IChatClient chatClient,
        ToolDescriptor[] tools,
        ToolPipelineOptions options,
        (ToolPipelineStage, Func<IPropagatorBlock<ToolPipelineEvent, ToolPipelineEvent>>)[] inserted)
    {
        _chatClient = chatClient;
        _tools = tools;
        _options = options;
        _inserted = inserted;
    }

    /// <summary>Starts building a pipeline around a model.</summary>
    /// <param name="chatClient">The model.</param>
    /// <returns>A builder.</returns>
    public static ToolPipelineBuilder CreateBuilder(IChatClient chatClient) => new(chatClient);

    /// <summary>The tools the model may call, with their effects and policies.</summary>
    public IReadOnlyList<ToolDescriptor> Tools => _tools;

    /// <summary>Runs the conversation, streaming every event as it happens.</summary>
    /// <param name="messages">The conversation so far.</param>
    /// <param name="cancellationToken">Cancels the run, its model requests and its tool calls.</param>
    /// <returns>The events, in the order they happened, ending with <see cref="RunCompleted"/>.</returns>
    /// <exception cref="OperationCanceledException">The run was cancelled.</exception>
    public async IAsyncEnumerable<ToolPipelineEvent> RunAsync(
        IEnumerable<ChatMessage> messages,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        using var runCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var run = new Run(this, [.. messages], runCancellation.Token);
        try
        {
            await foreach (ToolPipelineEvent @event in run.Events.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return @event;
            }
        }
        finally
        {
            // A caller that stops reading early ends the run: cancel the model and the tools.
            await runCancellation.CancelAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The run as an observable for UIs. Each subscription starts a run; disposing the subscription cancels it.
    /// </summary>
    /// <param name="messages">The conversation so far.</param>
    /// <returns>The events of a run.</returns>
    public IObservable<ToolPipelineEvent> Observe(IEnumerable<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ChatMessage[] snapshot = [.. messages];
        return Observable.Create<ToolPipelineEvent>(async (observer, cancellationToken) =>
        {
            await foreach (ToolPipelineEvent @event in RunAsync(snapshot, cancellationToken).ConfigureAwait(false))
            {
                observer.OnNext(@event);
            }
        });
    }

    /// <summary>One run's mesh and agent loop.</summary>
    private sealed class Run
    {
        private readonly ToolPipeline _pipeline;
        private readonly List<ChatMessage> _history;
        private readonly ChatModelSourceBlock _source;
        private readonly ToolResultMergeBlock _merge;
        private readonly ChatOptions _chatOptions;
        private readonly CoalescingEventQueue _events;
        private readonly HashSet<string> _pendingFutures = new(StringComparer.Ordinal);
        private readonly bool _plan;
        private readonly ChatMessage[] _question;
        private readonly HashSet<int> _planTurns = [];
        private int _replans;
        private bool _answerWaitsForFutures;
        private RunCompletionReason _reason = RunCompletionReason.FinalAnswer;
        private DateTimeOffset _endedAt;
        private int _turn = 1;

        public Run(ToolPipeline pipeline, List<ChatMessage> history, CancellationToken cancellationToken)
        {
            _pipeline = pipeline;
            _history = history;
            ToolPipelineOptions options = pipeline._options;
            _events = new CoalescingEventQueue(options.CoalesceDeltasAfter, resumeReaderInline: options.TaskScheduler != TaskScheduler.Default);

            _chatOptions = options.ChatOptions?.Clone() ?? new ChatOptions();
            _chatOptions.Tools = [.. _chatOptions.Tools ?? [], .. pipeline._tools.Select(t => t.Function)];

            var common = new ToolBlockOptions
            {
                TimeProvider = options.TimeProvider,
                TaskScheduler = options.TaskScheduler,
                CancellationToken = cancellationToken,
            };
            _plan = options.Mode == ToolPipelineMode.Plan;
            _question = [.. history];
            IChatClient model = _plan ? new PlanRoutingChatClient(options.Planner ?? pipeline._chatClient, pipeline._chatClient) : pipeline._chatClient;
            _source = new ChatModelSourceBlock(model, common);
            var parserOptions = new ToolCallParserBlockOptions
            {
                TimeProvider = options.TimeProvider,
                TaskScheduler = options.TaskScheduler,
                CancellationToken = cancellationToken,
                ParserOptions = options.ParserOptions,
            };
            if (options.TextParserFactory is { } factory)
            {
                parserOptions.TextParserFactory = factory;
            }

            var executionOptions = new ToolExecutionBlockOptions
            {
                TimeProvider = options.TimeProvider,
                TaskScheduler = options.TaskScheduler,
                CancellationToken = cancellationToken,
                MaxConcurrency = options.MaxConcurrency,
                DispatchTiming = options.DispatchTiming,
                IncludeDetailedErrors = options.IncludeDetailedErrors,
                Executor = options.Executor,
                ReferenceSyntax = options.ReferenceSyntax,
                ApprovalHandler = options.ApprovalHandler,
                DeduplicateCalls = options.DeduplicateCalls,
            };
            _merge = new ToolResultMergeBlock(new ToolResultMergeBlockOptions
            {
                TimeProvider = options.TimeProvider,
                TaskScheduler = options.TaskScheduler,
                CancellationToken = cancellationToken,
                UseFutures = options.Mode == ToolPipelineMode.Futures,
            });

            var linkOptions = new DataflowLinkOptions { PropagateCompletion = true };
            ISourceBlock<ToolPipelineEvent> tail = _source.LinkThrough(new ToolCallParserBlock(parserOptions), linkOptions);
            if (_plan)
            {
                tail = tail.LinkThrough(PlanStepBlock.Create(pipeline._tools, options.TaskScheduler), linkOptions);
            }

            tail = LinkInserted(tail, ToolPipelineStage.Parse, linkOptions);
            tail = tail.LinkThrough(new ToolExecutionBlock(pipeline._tools, executionOptions), linkOptions);
            tail = LinkInserted(tail, ToolPipelineStage.Execute, linkOptions);
            tail = tail.LinkThrough(_merge, linkOptions);

            var loop = new ActionBlock<ToolPipelineEvent>(OnEvent, new ExecutionDataflowBlockOptions
            {
                TaskScheduler = options.TaskScheduler,
                CancellationToken = cancellationToken,
            });
            tail.LinkTo(loop, linkOptions);
            _ = FinishAsync(loop.Completion);

            _source.Post(_plan ? PlanRequest() : new ModelRequest(_turn, _history.ToArray(), _chatOptions));
        }

        public CoalescingEventQueue Events => _events;

        private ISourceBlock<ToolPipelineEvent> LinkInserted(ISourceBlock<ToolPipelineEvent> tail, ToolPipelineStage stage, DataflowLinkOptions linkOptions)
        {
            foreach ((ToolPipelineStage s, Func<IPropagatorBlock<ToolPipelineEvent, ToolPipelineEvent>> factory) in _pipeline._inserted)
            {
                if (s == stage)
                {
                    tail = tail.LinkThrough(factory() ?? throw new InvalidOperationException("An inserted block factory returned null."), linkOptions);
                }
            }

            return tail;
        }

        private void OnEvent(ToolPipelineEvent @event)
        {
            // The loop acts before the caller sees the event, so a slow reader never delays the next turn.
            switch (@event)
            {
                case TurnCompleted completed:
                    OnTurnCompleted(completed);
                    break;
                case FutureResolved resolved:
                    OnFutureResolved(resolved);
                    break;
            }

            _events.Write(@event);
        }

        private void OnTurnCompleted(TurnCompleted completed)
        {
            _history.AddRange(completed.Messages);
            _endedAt = completed.Timestamp;
            _pendingFutures.UnionWith(completed.PendingFutures);
            if (completed.Response.Error is not null)
            {
                _reason = RunCompletionReason.ModelFailed;
                _source.Complete();
            }
            else if (_plan)
            {
                OnPlanTurnCompleted(completed);
            }
            else if (!completed.HasToolCalls && _pendingFutures.Count > 0)
            {
                // The model answered while results were still futures: that answer cannot be final. Ask again once
                // every future has its value.
                _answerWaitsForFutures = true;
            }
            else if (!completed.HasToolCalls)
            {
                _reason = RunCompletionReason.FinalAnswer;
                _source.Complete();
            }
            else
            {
                NextTurn();
            }
        }

        private void OnFutureResolved(FutureResolved resolved)
        {
            // The placeholder in the conversation becomes the value, before any later turn reads it.
            for (int i = _history.Count - 1; i >= 0; i--)
            {
                ChatMessage message = _history[i];
                if (message.Role == ChatRole.Tool && message.Contents.Any(c => c is FunctionResultContent r && r.CallId == resolved.Call.CallId))
                {
                    _history[i] = new ChatMessage(ChatRole.Tool, [.. message.Contents.Select(c => c is FunctionResultContent r && r.CallId == resolved.Call.CallId ? resolved.Result : c)]);
                    break;
                }
            }

            _endedAt = resolved.Timestamp;
            if (_pendingFutures.Remove(resolved.Call.CallId) && _pendingFutures.Count == 0 && _answerWaitsForFutures)
            {
                _answerWaitsForFutures = false;
                NextTurn();
            }
        }

        private void OnPlanTurnCompleted(TurnCompleted completed)
        {
            if (_planTurns.Contains(completed.Turn) && completed.HasToolCalls)
            {
                // The plan has run, join included: the answering model reads the results.
                NextTurn(JoinRequest);
            }
            else if (!_planTurns.Contains(completed.Turn) && PlanPrompts.IsReplan(completed.Response.Message) && _replans < _pipeline._options.MaxReplans)
            {
                _replans++;
                NextTurn(PlanRequest);
            }
            else
            {
                _reason = RunCompletionReason.FinalAnswer;
                _source.Complete();
            }
        }

        private ModelRequest PlanRequest()
        {
            _planTurns.Add(_turn);
            ChatOptions options = _chatOptions.Clone();
            options.Tools = null;
            (options.AdditionalProperties ??= [])[PlanRoutingChatClient.PhaseKey] = PlanRoutingChatClient.PlanPhase;
            List<ChatMessage> messages = [new(ChatRole.System, PlanPrompts.Planner(_pipeline._tools)), .. _question];
            if (_replans > 0)
            {
                // A replan sees what the earlier plans found and why the answer asked for more.
                messages.AddRange(_history.Skip(_question.Length));
            }

            return new ModelRequest(_turn, messages, options);
        }

        private ModelRequest JoinRequest() =>
            new(_turn, [.. _history, new ChatMessage(ChatRole.System, PlanPrompts.Joiner)], _chatOptions);

        private void NextTurn(Func<ModelRequest> request)
        {
            if (_turn >= _pipeline._options.MaxTurns)
            {
                _reason = RunCompletionReason.TurnLimitReached;
                _source.Complete();
                return;
            }

            _turn++;
            _source.Post(request());
        }

        private void NextTurn()
        {
            if (_turn >= _pipeline._options.MaxTurns)
            {
                _reason = RunCompletionReason.TurnLimitReached;
                _source.Complete();
                return;
            }

            _turn++;
            _source.Post(new ModelRequest(_turn, _history.ToArray(), _chatOptions));
        }

        private async Task FinishAsync(Task loopCompletion)
        {
            try
            {
                await loopCompletion.ConfigureAwait(false);
            }
            catch (Exception e)
            {
                _events.Complete(e);
                return;
            }

            var completed = new RunCompleted(_reason, _history.ToArray(), _turn)
            {
                Sequence = _merge.LastSequence + 1,
                // The run ended when its last turn did; draining the mesh afterwards is bookkeeping.
                Timestamp = _endedAt == default ? _pipeline._options.TimeProvider.GetUtcNow() : _endedAt,
                Turn = _turn,
            };
            _events.Write(completed);
            _events.Complete();
        }
    }
}
