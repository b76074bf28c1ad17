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
    public ToolPipelineRun Start(IEnumerable<ChatMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var runCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        return new ToolPipelineRun(PipelineRun.Start(this, [.. messages], runCancellation.Token), runCancellation);
    }

    /// <summary>Runs the conversation, streaming every event as it happens.</summary>
    /// <param name="messages">The conversation so far.</param>
    /// <param name="cancellationToken">Cancels the run, its model requests and its tool calls.</param>
    /// <returns>The events, in the order they happened, ending with <see cref="RunCompleted"/>.</returns>
    /// <exception cref="OperationCanceledException">The run was cancelled.</exception>
    /// <remarks>The events of <see cref="Start"/>'s run; use that to control the run while it streams.</remarks>
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
