using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Threading.Tasks.Dataflow;

namespace ToolFlow.Blocks;

/// <summary>
/// The shape every ToolFlow block shares: it takes <typeparamref name="TInput"/> messages one at a time, in
/// order, and offers <see cref="ToolPipelineEvent"/>s. Blocks pass through the events they do not act on, so a
/// mesh is a chain: source, parser, (your blocks), execution, (your blocks), merge.
/// </summary>
/// <typeparam name="TInput">The messages the block takes.</typeparam>
/// <remarks>
/// Completion flows input to output: when the input completes, the block finishes its work, then completes its
/// output; a fault on the input faults the output. <see cref="Completion"/> completes once every event has been
/// taken from the output, as with any Dataflow source.
/// </remarks>
[DebuggerDisplay("{GetType().Name,nq}, Pending = {OutputCount}")]
public abstract class ToolEventBlock<TInput> : IPropagatorBlock<TInput, ToolPipelineEvent>, IReceivableSourceBlock<ToolPipelineEvent>
{
    // Lock scheme: none here. The input block runs the handler one message at a time; Emit only posts to the
    // output buffer, which is thread-safe, so subclasses with concurrent workers may call it from any thread.
    private readonly ActionBlock<TInput> _input;
    private readonly BufferBlock<ToolPipelineEvent> _output;

    private protected ToolEventBlock(ToolBlockOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        TimeProvider = options.TimeProvider;
        TaskScheduler = options.TaskScheduler;
        CancellationToken = options.CancellationToken;

        var inputOptions = new ExecutionDataflowBlockOptions
        {
            MaxDegreeOfParallelism = 1,
            TaskScheduler = options.TaskScheduler,
            CancellationToken = options.CancellationToken,
        };
        _input = new ActionBlock<TInput>(HandleAsync, inputOptions);
        _output = new BufferBlock<ToolPipelineEvent>(new DataflowBlockOptions
        {
            TaskScheduler = options.TaskScheduler,
            CancellationToken = options.CancellationToken,
        });

        // Wired once, here: the output completes only after the input is done and the subclass has drained
        // its own work (running tools, buffered parser text), so no event is lost at the end of a run.
        _ = PropagateCompletionAsync();
    }

    /// <summary>The options the block was built with (its own copy).</summary>
    private protected ToolBlockOptions Options { get; }

    /// <summary>The clock the block reads.</summary>
    protected TimeProvider TimeProvider { get; }

    /// <summary>The scheduler the block's work runs on.</summary>
    protected TaskScheduler TaskScheduler { get; }

    /// <summary>Cancels the block's work.</summary>
    protected CancellationToken CancellationToken { get; }

    /// <summary>The number of events waiting in the output.</summary>
    public int OutputCount => _output.Count;

    /// <inheritdoc/>
    public Task Completion => _output.Completion;

    /// <summary>Handles one input message. Called one message at a time, in arrival order.</summary>
    /// <param name="message">The message.</param>
    /// <returns>A task that completes when the block may take the next message.</returns>
    private protected abstract Task HandleAsync(TInput message);

    /// <summary>Called once the input has completed and its last message is handled; the output completes after it.</summary>
    /// <returns>A task that completes when the block's own work is done.</returns>
    private protected virtual Task OnInputCompletedAsync() => Task.CompletedTask;

    /// <summary>Offers an event the block has just created, stamped with the current time unless it has a timestamp.</summary>
    /// <param name="event">The event; no one else may hold it yet.</param>
    /// <remarks>Internal rather than protected so a block's internal cores offer events themselves.</remarks>
    internal void Emit(ToolPipelineEvent @event)
    {
        if (@event.Timestamp == default)
        {
            @event.StampNew(TimeProvider.GetUtcNow());
        }

        _output.Post(@event);
    }

    /// <summary>Passes on an event that came from upstream: one without a timestamp is copied to be stamped, never changed.</summary>
    /// <param name="event">The event.</param>
    private protected void Forward(ToolPipelineEvent @event)
    {
        if (@event.Timestamp == default)
        {
            @event = @event with { Timestamp = TimeProvider.GetUtcNow() };
        }

        _output.Post(@event);
    }

    private async Task PropagateCompletionAsync()
    {
        Exception? fault = null;
        try
        {
            await _input.Completion.ConfigureAwait(false);
            await OnInputCompletedAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
        {
            // The output shares the token and cancels itself.
        }
        catch (Exception e)
        {
            fault = e;
        }

        if (fault is null)
        {
            _output.Complete();
        }
        else
        {
            ((IDataflowBlock)_output).Fault(fault);
        }
    }

    /// <inheritdoc/>
    public void Complete() => _input.Complete();

    /// <inheritdoc/>
    void IDataflowBlock.Fault(Exception exception) => ((IDataflowBlock)_input).Fault(exception);

    /// <inheritdoc/>
    DataflowMessageStatus ITargetBlock<TInput>.OfferMessage(DataflowMessageHeader messageHeader, TInput messageValue, ISourceBlock<TInput>? source, bool consumeToAccept) =>
        ((ITargetBlock<TInput>)_input).OfferMessage(messageHeader, messageValue, source, consumeToAccept);

    /// <inheritdoc/>
    public IDisposable LinkTo(ITargetBlock<ToolPipelineEvent> target, DataflowLinkOptions linkOptions) => _output.LinkTo(target, linkOptions);

    /// <inheritdoc/>
    ToolPipelineEvent? ISourceBlock<ToolPipelineEvent>.ConsumeMessage(DataflowMessageHeader messageHeader, ITargetBlock<ToolPipelineEvent> target, out bool messageConsumed) =>
        ((ISourceBlock<ToolPipelineEvent>)_output).ConsumeMessage(messageHeader, target, out messageConsumed);

    /// <inheritdoc/>
    bool ISourceBlock<ToolPipelineEvent>.ReserveMessage(DataflowMessageHeader messageHeader, ITargetBlock<ToolPipelineEvent> target) =>
        ((ISourceBlock<ToolPipelineEvent>)_output).ReserveMessage(messageHeader, target);

    /// <inheritdoc/>
    void ISourceBlock<ToolPipelineEvent>.ReleaseReservation(DataflowMessageHeader messageHeader, ITargetBlock<ToolPipelineEvent> target) =>
        ((ISourceBlock<ToolPipelineEvent>)_output).ReleaseReservation(messageHeader, target);

    /// <inheritdoc/>
    public bool TryReceive(Predicate<ToolPipelineEvent>? filter, out ToolPipelineEvent item) => _output.TryReceive(filter, out item!);

    /// <inheritdoc/>
    public bool TryReceiveAll([NotNullWhen(true)] out IList<ToolPipelineEvent>? items) => _output.TryReceiveAll(out items);
}
