using System.Reactive.Linq;
using System.Text.Json;
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
/// <c>source → parse → (your blocks) → execute → (your blocks) → merge</c>, and its mode's loop (see Modes/).
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

    internal IChatClient ChatClient => _chatClient;

    internal ToolDescriptor[] ToolArray => _tools;

    internal ToolPipelineOptions Options => _options;

    internal (ToolPipelineStage Stage, Func<IPropagatorBlock<ToolPipelineEvent, ToolPipelineEvent>> Factory)[] Inserted => _inserted;

    /// <summary>
    /// Starts the conversation and returns its handle: its events, and control of it while they stream (cancel a call,
    /// a branch or the turn; approve or deny a call), from any thread.
    /// </summary>
    /// <param name="messages">The conversation so far.</param>
    /// <param name="cancellationToken">Cancels the run, its model requests and its tool calls.</param>
    /// <returns>The running conversation; dispose it to cancel the run if it is still going.</returns>
    public ToolPipelineRun Start(IEnumerable<ChatMessage> messages, CancellationToken cancellationToken = default) =>
        Start(messages, new ToolPipelineRunOptions(), cancellationToken);

    /// <summary>
    /// Starts the conversation as a named run, and returns its handle. With a ledger
    /// (<see cref="ToolPipelineBuilder.WithLedger"/>) the run is recorded under <see cref="ToolPipelineRunOptions.RunId"/>,
    /// which <see cref="ResumeAsync"/> takes after an interruption.
    /// </summary>
    /// <param name="messages">The conversation so far.</param>
    /// <param name="options">The run's id and conversation.</param>
    /// <param name="cancellationToken">Cancels the run, its model requests and its tool calls.</param>
    /// <returns>The running conversation; dispose it to cancel the run if it is still going.</returns>
    public ToolPipelineRun Start(IEnumerable<ChatMessage> messages, ToolPipelineRunOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(options);
        return Start([.. messages], options, agent: null, cancellationToken);
    }

    /// <summary>
    /// This pipeline as a tool of another (a sub-agent): each call runs a child conversation of this pipeline (its own
    /// history, tools, caps and limits) from a user message with the call's <c>task</c> (and <c>context</c>, if given),
    /// and returns the child's final answer as text.
    /// </summary>
    /// <param name="name">The tool's name, as the parent model calls it.</param>
    /// <param name="description">What the sub-agent does, for the parent model.</param>
    /// <param name="options">Event forwarding, effects, cap, timeout and result summary; <see langword="null"/> for the defaults.</param>
    /// <returns>The tool. Its metadata declares its effects (see <see cref="AgentToolOptions.Effects"/>), so <see cref="ToolPipelineBuilder.AddTool(AIFunction)"/> schedules it right.</returns>
    /// <remarks>
    /// <para>
    /// Run by a ToolFlow pipeline, the child's events surface in the parent's run as <see cref="SubAgentEvent"/>s of the
    /// parent's call (<see cref="AgentToolOptions.Events"/>); the child's calls share the parent's executor unless this
    /// pipeline names its own (<see cref="ToolExecutionBlockOptions.Executor"/>), and the parent's call gives back its
    /// global and conversation slots while its child runs, so a parent waiting for its children never starves them.
    /// Cancelling the parent's call (or its timeout, or the parent's run) cancels the child run at once. Nesting is
    /// limited by <see cref="ToolPipelineOptions.MaxAgentDepth"/>.
    /// </para>
    /// <para>
    /// A child that ends without an answer (its turn limit, its model failing, its turn cancelled) fails the parent's
    /// call with a message, which the parent model reads, saying why. Run elsewhere (by
    /// <see cref="FunctionInvokingChatClient"/>, or called directly), the child is a top-level run of this pipeline.
    /// </para>
    /// </remarks>
    public AIFunction AsTool(string name, string description, AgentToolOptions? options = null) => CreateAgent(name, description, options);

    /// <summary>
    /// This pipeline as a tool of another, described for the parent's scheduler: <see cref="AsTool"/>'s function with
    /// its effects, <see cref="AgentToolOptions.MaxConcurrency"/> and <see cref="AgentToolOptions.Timeout"/>.
    /// </summary>
    /// <param name="name">The tool's name, as the parent model calls it.</param>
    /// <param name="description">What the sub-agent does, for the parent model.</param>
    /// <param name="options">Event forwarding, effects, cap, timeout and result summary; <see langword="null"/> for the defaults.</param>
    /// <returns>The descriptor, for <see cref="ToolPipelineBuilder.AddTool(ToolDescriptor)"/>.</returns>
    public ToolDescriptor AsToolDescriptor(string name, string description, AgentToolOptions? options = null) =>
        CreateAgent(name, description, options).CreateDescriptor();

    private AgentFunction CreateAgent(string name, string description, AgentToolOptions? options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(description);
        return new AgentFunction(this, name, description, options?.Clone() ?? new AgentToolOptions());
    }

    /// <summary>Starts a sub-agent's run under a parent's call.</summary>
    internal ToolPipelineRun StartChild(ChatMessage[] history, AgentScope? scope, CancellationToken cancellationToken) =>
        Start(history, new ToolPipelineRunOptions(), scope, cancellationToken);

    private ToolPipelineRun Start(ChatMessage[] history, ToolPipelineRunOptions options, AgentScope? agent, CancellationToken cancellationToken)
    {
        string runId = options.RunId ?? Guid.NewGuid().ToString("N");
        string conversationId = options.ConversationId ?? runId;
        LedgerRecorder? recorder = null;
        if (_options.Ledger is { } ledger)
        {
            var record = new LedgerRunRecord(runId, conversationId, _options.Mode.ToString(), _options.TimeProvider.GetUtcNow(), JsonSerializer.Serialize(history, AIJsonUtilities.DefaultOptions));
            recorder = new LedgerRecorder(ledger, _options, _tools, record, resume: null);
        }

        return Start(history, new RunContext(runId, conversationId, recorder, null) { Agent = agent }, cancellationToken);
    }

    /// <summary>
    /// Resumes a run the ledger holds, after its process was interrupted (or its run cancelled): the run starts again
    /// from the caller's messages; the turns recorded complete are replayed from the ledger without asking the model;
    /// the first turn not recorded complete asks the model again.
    /// </summary>
    /// <param name="runId">The run's id, as <see cref="ToolPipelineRun.RunId"/> gave it.</param>
    /// <param name="cancellationToken">Cancels the read and then the run.</param>
    /// <returns>The resumed run, under the same id; its events are those of the whole run, replayed turns included.</returns>
    /// <exception cref="InvalidOperationException">The pipeline has no ledger, the ledger has no such run, or the run was recorded in another mode.</exception>
    /// <exception cref="InvalidDataException">The run's recorded messages cannot be read.</exception>
    /// <remarks>
    /// <para>
    /// Each call of the replayed and re-asked turns is matched to a recorded call: by call id, or else by turn, tool,
    /// canonical arguments and occurrence (a provider asked again may mint new ids). A call recorded as ended is not run:
    /// its recorded result (or failure) is used, and its entry is marked <see cref="ToolCallLedgerEntry.Replayed"/>. A
    /// call under way at the interruption (dispatched, no outcome) runs again if its tool is read-only or idempotent, or
    /// side-effecting and <see cref="ToolDescriptor.HonorsIdempotencyKeys"/> (with the same
    /// <see cref="ToolIdempotency.CurrentKey"/> as before); any other fails as
    /// <see cref="ToolCallFailureKind.OutcomeUnknown"/>, and the model is told the action may or may not have happened.
    /// A call never dispatched runs as usual. <see cref="LedgerRunRecord.Resumes"/> counts the resumes.
    /// </para>
    /// <para>
    /// What a resume cannot know: a call whose completion had not reached the ledger counts as under way, so a
    /// read-only call may run twice; the write-ahead of side-effecting calls without keys keeps those from running
    /// twice unseen.
    /// </para>
    /// </remarks>
    public async ValueTask<ToolPipelineRun> ResumeAsync(string runId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        IToolCallLedger ledger = _options.Ledger ?? throw new InvalidOperationException("The pipeline has no ledger to resume from; build it WithLedger.");
        LedgerRun recorded = await ledger.ReadRunAsync(runId, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"The ledger has no run '{runId}'.");
        if (recorded.Run.Mode != _options.Mode.ToString())
        {
            throw new InvalidOperationException($"Run '{runId}' was recorded in {recorded.Run.Mode} mode; this pipeline runs in {_options.Mode} mode.");
        }

        ResumePlan plan = ResumePlan.Load(recorded);
        LedgerRunRecord record = recorded.Run with { EndedAt = null, Completion = null, Resumes = recorded.Run.Resumes + 1 };
        var recorder = new LedgerRecorder(ledger, _options, _tools, record, plan);
        return Start(plan.Messages, new RunContext(runId, record.ConversationId, recorder, plan), cancellationToken);
    }

    private ToolPipelineRun Start(IEnumerable<ChatMessage> history, RunContext context, CancellationToken cancellationToken)
    {
        var runCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        return new ToolPipelineRun(PipelineRun.Start(this, [.. history], context, runCancellation.Token), runCancellation);
    }

    /// <summary>Runs the conversation, streaming every event as it happens.</summary>
    /// <param name="messages">The conversation so far.</param>
    /// <param name="cancellationToken">Cancels the run, its model requests and its tool calls.</param>
    /// <returns>The events, in the order they happened, ending with <see cref="RunCompleted"/>.</returns>
    /// <exception cref="OperationCanceledException">The run was cancelled.</exception>
    /// <remarks>The events of <see cref="Start(IEnumerable{ChatMessage}, CancellationToken)"/>'s run; use that to control the run while it streams.</remarks>
    public async IAsyncEnumerable<ToolPipelineEvent> RunAsync(
        IEnumerable<ChatMessage> messages,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);

        // A caller that stops reading early ends the run: disposing the handle cancels the model and the tools.
        ToolPipelineRun run = Start(messages, cancellationToken);
        await using ConfiguredAsyncDisposable disposeRun = run.ConfigureAwait(false);
        await foreach (ToolPipelineEvent @event in run.Events.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            yield return @event;
        }
    }

    /// <summary>
    /// The run as an observable for UIs. Each subscription starts a run; disposing the subscription cancels it, its
    /// model request and its tool calls. <see cref="ToolPipelineObservableExtensions"/> splits it per call and
    /// coalesces its text on a scheduler.
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
}
