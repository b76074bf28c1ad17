using System.Threading.Tasks.Dataflow;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;

namespace ToolFlow.Pipeline;

/// <summary>
/// One run: its mesh (<c>source → parse → (your blocks) → execute → (your blocks) → merge</c>), its conversation and
/// the agent loop's bookkeeping. A mode decides what a completed turn leads to; this class owns the rest.
/// </summary>
/// <remarks>
/// Lock scheme: <see cref="_control"/> guards <see cref="_finishing"/>, <see cref="_turnCancelled"/> and the reason,
/// which the loop (one event at a time) and a run handle's callers (any thread) both read and write. Nothing is
/// called out of it.
/// </remarks>
internal abstract class PipelineRun
{
    private readonly ToolPipeline _pipeline;
    private readonly CancellationToken _cancellationToken;
    private readonly object _control = new();

    // Cancelled once, when the caller cancels the turn; never disposed, so cancelling can never race a disposal.
    private readonly CancellationTokenSource _turnCancellation = new();
    private readonly TaskCompletionSource<RunCompleted> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Spans and metric points, only when something listens (see Telemetry/).
    private readonly RunTelemetry? _telemetry;
    private ChatModelSourceBlock _source = null!;
    private ToolExecutionBlock _execution = null!;
    private ToolResultMergeBlock _merge = null!;
    private RunCompletionReason _reason = RunCompletionReason.FinalAnswer;
    private DateTimeOffset _endedAt;
    private bool _finishing;
    private bool _turnCancelled;
    private readonly List<DiagnosticReported> _lateDiagnostics = [];

    // The conversation's tokens, when a context window is set; read by the loop only.
    private readonly ConversationTokens? _window;
    private bool _windowWarned;

    protected PipelineRun(ToolPipeline pipeline, List<ChatMessage> history, CancellationToken cancellationToken)
    {
        _pipeline = pipeline;
        _cancellationToken = cancellationToken;
        History = history;
        ToolPipelineOptions options = pipeline.Options;
        Events = new CoalescingEventQueue(options.CoalesceDeltasAfter, resumeReaderInline: options.TaskScheduler != TaskScheduler.Default);
        ChatOptions = options.ChatOptions?.Clone() ?? new ChatOptions();
        ChatOptions.Tools = [.. ChatOptions.Tools ?? [], .. pipeline.ToolArray.Select(t => t.Function)];
        _telemetry = RunTelemetry.Create(options, pipeline.ChatClient);
        if (options.ContextWindowTokens is not null)
        {
            _window = new ConversationTokens(options.TokenCounter, options.ContextWindowMessageOverheadTokens);
        }
    }

    /// <summary>Makes the run for the pipeline's mode and starts its first turn.</summary>
    public static PipelineRun Start(ToolPipeline pipeline, List<ChatMessage> history, RunContext context, CancellationToken cancellationToken)
    {
        PipelineRun run = pipeline.Options.Mode switch
        {
            ToolPipelineMode.Futures => new FuturesRun(pipeline, history, cancellationToken),
            ToolPipelineMode.Plan => new PlanRun(pipeline, history, cancellationToken),
            _ => new AwaitRun(pipeline, history, cancellationToken),
        };

        // Built here, not in the constructor, so the mode's own fields are set before the mesh can call it.
        run.Context = context;
        run._telemetry?.Identify(context.RunId, context.ConversationId);
        if (context.Recorder is { } recorder)
        {
            recorder.Report = run.ReportLedgerProblem;
        }

        run.BuildMesh();
        ModelRequest first = run.FirstRequest();
        if (run.FitsContextWindow(first))
        {
            run._telemetry?.TurnRequested(run.Turn);
            run._source.Post(first);
        }

        return run;
    }

    /// <summary>The run's id and its ledger, if any.</summary>
    public RunContext Context { get; private set; } = null!;

    /// <summary>How deep the run is nested as a sub-agent: 0 for a top-level run.</summary>
    public int AgentDepth => Context.Agent?.Depth ?? 0;

    /// <summary>The deepest a sub-agent under this run may be nested: the lowest <see cref="ToolPipelineOptions.MaxAgentDepth"/> of this run and those above it.</summary>
    public int AgentDepthLimit => Math.Min(Context.Agent?.DepthLimit ?? int.MaxValue, Options.MaxAgentDepth);

    /// <summary>What the reader takes the run's events from.</summary>
    public CoalescingEventQueue Events { get; }

    /// <summary>Completes with the run's last event, once it is written; faults or cancels as the run does.</summary>
    public Task<RunCompleted> Completion => _completion.Task;

    /// <summary>The gate of the run's calls, which a run handle controls.</summary>
    public CallGate Gate => _execution.Gate;

    /// <summary>
    /// Cancels the turn: the model's stream under way ends where it is, every call under way (and every call that
    /// closes from now on) is cancelled, and the run ends with <see cref="RunCompletionReason.TurnCancelled"/> once
    /// the turn's conversation is complete. Calls of earlier turns still running (futures) are cancelled too.
    /// </summary>
    public ToolControlResult CancelTurn()
    {
        lock (_control)
        {
            if (_turnCancelled)
            {
                return ToolControlResult.AlreadyCancelled;
            }

            if (_finishing)
            {
                return ToolControlResult.RunEnded;
            }

            _turnCancelled = true;
        }

        _turnCancellation.Cancel();
        Gate.CancelAll("Its turn was cancelled.");
        return ToolControlResult.Applied;
    }

    protected ToolPipeline Pipeline => _pipeline;

    protected ToolPipelineOptions Options => _pipeline.Options;

    /// <summary>The conversation as it stands: the caller's messages, then every turn's.</summary>
    protected List<ChatMessage> History { get; }

    /// <summary>The chat options of every request, the pipeline's tools included.</summary>
    protected ChatOptions ChatOptions { get; }

    /// <summary>The current turn, from 1.</summary>
    protected int Turn { get; private set; } = 1;

    /// <summary>The model the source asks.</summary>
    protected virtual IChatClient Model => _pipeline.ChatClient;

    /// <summary>The first turn's request.</summary>
    protected virtual ModelRequest FirstRequest() => NextRequest();

    /// <summary>The request of the turn <see cref="Turn"/> has just moved to.</summary>
    protected virtual ModelRequest NextRequest() => new(Turn, History.ToArray(), ChatOptions);

    /// <summary>Links the mode's own blocks after the parser, before any the caller inserted.</summary>
    protected virtual ISourceBlock<ToolPipelineEvent> LinkAfterParse(ISourceBlock<ToolPipelineEvent> tail, DataflowLinkOptions linkOptions) => tail;

    /// <summary>A turn ended cleanly (the model's stream did not fail): the mode decides what follows.</summary>
    protected abstract void OnTurnCompleted(TurnCompleted completed);

    /// <summary>A future's value arrived (futures mode only).</summary>
    protected virtual void OnFutureResolved(FutureResolved resolved)
    {
    }

    /// <summary>Moves to the next turn, or ends the run once the turn limit is reached.</summary>
    protected void NextTurn()
    {
        if (Volatile.Read(ref _turnCancelled))
        {
            Finish(RunCompletionReason.TurnCancelled);
            return;
        }

        if (Turn >= Options.MaxTurns)
        {
            Finish(RunCompletionReason.TurnLimitReached);
            return;
        }

        Turn++;
        ModelRequest request = NextRequest();
        if (!FitsContextWindow(request))
        {
            return;
        }

        _telemetry?.TurnRequested(Turn);
        _source.Post(request);
    }

    /// <summary>Ends the run: no more requests; the mesh drains and <see cref="RunCompleted"/> follows.</summary>
    protected void Finish(RunCompletionReason reason)
    {
        lock (_control)
        {
            // A turn cancelled before the run could end is why it ended, whatever the mode concluded.
            _reason = _turnCancelled ? RunCompletionReason.TurnCancelled : reason;
            _finishing = true;
        }

        _source.Complete();
    }

    /// <summary>
    /// Counts the request against the context window, when one is set (with the answer's room, the request's
    /// <see cref="ChatOptions.MaxOutputTokens"/>): warns once past the warning share, and ends the run instead of
    /// sending a request that would not fit.
    /// </summary>
    private bool FitsContextWindow(ModelRequest request)
    {
        if (_window is null)
        {
            return true;
        }

        int window = Options.ContextWindowTokens!.Value;
        long tokens = (long)_window.Count(request.Messages) + (request.Options?.MaxOutputTokens ?? 0);
        int counted = (int)Math.Min(tokens, int.MaxValue);
        if (tokens > window)
        {
            PostEvent(new ContextWindowExceeded(counted, window));
            Finish(RunCompletionReason.ContextWindowExceeded);
            return false;
        }

        if (!_windowWarned && tokens >= window * Options.ContextWindowWarningRatio)
        {
            _windowWarned = true;
            PostEvent(new ContextWindowFilling(counted, window, Options.ContextWindowWarningRatio));
        }

        return true;
    }

    // An event of the run's own goes through the merge block, which numbers it in order with the mesh's.
    private void PostEvent(ToolPipelineEvent @event) =>
        _merge.Post(@event with { Timestamp = Options.TimeProvider.GetUtcNow(), Turn = Turn });

    /// <summary>Marks the time the run's last turn or future ended.</summary>
    protected void MarkEnded(DateTimeOffset timestamp) => _endedAt = timestamp;

    private void BuildMesh()
    {
        ToolPipelineOptions options = Options;
        IChatClient model = Context.Resume is { Replies.Count: > 0 } resume ? new ReplayingChatClient(Model, resume.Replies) : Model;
        if (_telemetry is { Tracing: true })
        {
            model = new TurnActivityChatClient(model, _telemetry);
        }

        _source = new ChatModelSourceBlock(new TurnCancellingChatClient(model, _turnCancellation.Token), ForRun(new ToolBlockOptions()));
        ToolResultMergeBlockOptions results = ForRun(options.Results.Clone());
        results.UseFutures = options.Mode == ToolPipelineMode.Futures;
        results.ResultsReferable = results.ResultsReferable && (options.Execution.ReferenceSyntax & ToolReferenceSyntax.Futures) != 0;
        if (results.TokenCounter is null && (results.HasBudget || _pipeline.ToolArray.Any(t => t.MaxResultTokens is not null)))
        {
            results.TokenCounter = options.TokenCounter;
        }

        _merge = new ToolResultMergeBlock(_pipeline.ToolArray, results);

        var linkOptions = new DataflowLinkOptions { PropagateCompletion = true };
        ISourceBlock<ToolPipelineEvent> tail = _source.LinkThrough(new ToolCallParserBlock(ForRun(options.Parsing.Clone())), linkOptions);
        tail = LinkAfterParse(tail, linkOptions);
        tail = LinkInserted(tail, ToolPipelineStage.Parse, linkOptions);
        ToolExecutionBlockOptions execution = ForRun(options.Execution.Clone());
        execution.CallHook = Context.Recorder;

        // A sub-agent's tools find their run through their call (see Agents/); its calls share the parent's executor
        // unless its pipeline names its own.
        execution.Owner = this;
        execution.Executor ??= Context.Agent?.Executor;
        _execution = new ToolExecutionBlock(_pipeline.ToolArray, execution);
        tail = tail.LinkThrough(_execution, linkOptions);
        tail = LinkInserted(tail, ToolPipelineStage.Execute, linkOptions);
        tail = tail.LinkThrough(_merge, linkOptions);

        var loop = new ActionBlock<ToolPipelineEvent>(OnEvent, new ExecutionDataflowBlockOptions
        {
            TaskScheduler = options.TaskScheduler,
            CancellationToken = _cancellationToken,
        });
        tail.LinkTo(loop, linkOptions);
        _ = FinishAsync(loop.Completion);
    }

    /// <summary>Gives a block's options (a copy of the pipeline's, or new) the run's clock, scheduler and token.</summary>
    private T ForRun<T>(T options)
        where T : ToolBlockOptions
    {
        options.TimeProvider = Options.TimeProvider;
        options.TaskScheduler = Options.TaskScheduler;
        options.CancellationToken = _cancellationToken;
        return options;
    }

    private ISourceBlock<ToolPipelineEvent> LinkInserted(ISourceBlock<ToolPipelineEvent> tail, ToolPipelineStage stage, DataflowLinkOptions linkOptions)
    {
        foreach ((ToolPipelineStage s, Func<IPropagatorBlock<ToolPipelineEvent, ToolPipelineEvent>> factory) in _pipeline.Inserted)
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
        _telemetry?.OnEvent(@event);
        switch (@event)
        {
            case TurnCompleted completed:
                History.AddRange(completed.Messages);
                _endedAt = completed.Timestamp;
                if (Volatile.Read(ref _turnCancelled))
                {
                    Finish(RunCompletionReason.TurnCancelled);
                }
                else if (completed.Response.Error is not null)
                {
                    Finish(RunCompletionReason.ModelFailed);
                }
                else
                {
                    OnTurnCompleted(completed);
                }

                break;
            case FutureResolved resolved:
                OnFutureResolved(resolved);
                break;
        }

        // Recorded before the caller sees it; the ledger's writes happen later, off this path.
        Context.Recorder?.Observe(@event);
        Events.Write(@event);
    }

    // A ledger write failed or fell behind: the caller hears of it as a diagnostic, in the run's order of events if
    // the mesh still runs, else just before RunCompleted.
    private void ReportLedgerProblem(string code, string message)
    {
        var diagnostic = new DiagnosticReported(code, message) { Timestamp = Options.TimeProvider.GetUtcNow(), Turn = Turn };
        if (!_merge.Post(diagnostic))
        {
            lock (_lateDiagnostics)
            {
                _lateDiagnostics.Add(diagnostic);
            }
        }
    }

    private async Task FinishAsync(Task loopCompletion)
    {
        try
        {
            await loopCompletion.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _telemetry?.RunFailed(e);
            // Interrupted: what was recorded so far goes to the ledger, with no end, so the run can be resumed.
            if (Context.Recorder is { } interrupted)
            {
                await interrupted.CompleteAsync(null, Options.LedgerFlushTimeout).ConfigureAwait(false);
            }

            Events.Complete(e);
            if (e is OperationCanceledException canceled)
            {
                _completion.TrySetCanceled(canceled.CancellationToken);
            }
            else
            {
                _completion.TrySetException(e);
            }

            return;
        }

        RunCompletionReason reason;
        lock (_control)
        {
            _finishing = true;
            reason = _reason;
        }

        var completed = new RunCompleted(reason, History.ToArray(), Turn)
        {
            Sequence = _merge.LastSequence + 1,
            // The run ended when its last turn did; draining the mesh afterwards is bookkeeping.
            Timestamp = _endedAt == default ? Options.TimeProvider.GetUtcNow() : _endedAt,
            Turn = Turn,
        };
        if (Context.Recorder is { } recorder)
        {
            // The run's end waits for its last records, at most LedgerFlushTimeout; what could not be written is said
            // before RunCompleted.
            await recorder.CompleteAsync(completed, Options.LedgerFlushTimeout).ConfigureAwait(false);
            long sequence = _merge.LastSequence;
            lock (_lateDiagnostics)
            {
                foreach (DiagnosticReported diagnostic in _lateDiagnostics)
                {
                    Events.Write(diagnostic with { Sequence = ++sequence });
                }
            }

            completed = completed with { Sequence = sequence + 1 };
        }

        _telemetry?.RunEnded(completed);
        Events.Write(completed);
        Events.Complete();
        _completion.TrySetResult(completed);
    }
}
