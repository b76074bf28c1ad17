using System.Threading.Tasks.Dataflow;
using Microsoft.Extensions.AI;

namespace ToolFlow.Blocks;

/// <summary>
/// Runs each call the moment it is closed (or, with <see cref="ToolDispatchTiming.AfterResponse"/>, when the
/// response ends), up to <see cref="ToolExecutionBlockOptions.MaxConcurrency"/> at once, and offers
/// <see cref="ToolCallStarted"/> then <see cref="ToolCallCompleted"/> or <see cref="ToolCallFailed"/> in the order
/// they happen. A tool's exception, an unknown tool and invalid arguments are outcomes, never faults.
/// </summary>
/// <remarks>Passes every event through, before acting on it.</remarks>
public sealed class ToolExecutionBlock : ToolEventBlock<ToolPipelineEvent>
{
    private readonly Dictionary<string, AIFunction> _tools;
    private readonly ToolExecutionBlockOptions _options;
    private readonly ActionBlock<ToolCall> _workers;
    private readonly List<ToolCall> _held = [];

    /// <summary>Initializes the block.</summary>
    /// <param name="tools">The tools calls may name.</param>
    /// <param name="options">Concurrency, dispatch timing, clock and scheduler, or <see langword="null"/> for the defaults.</param>
    public ToolExecutionBlock(IEnumerable<AIFunction> tools, ToolExecutionBlockOptions? options = null)
        : base((options ?? new ToolExecutionBlockOptions()).Clone())
    {
        ArgumentNullException.ThrowIfNull(tools);
        _options = (ToolExecutionBlockOptions)Options;
        ToolExecutionBlockOptions snapshot = _options;
        _tools = new Dictionary<string, AIFunction>(StringComparer.Ordinal);
        foreach (AIFunction tool in tools)
        {
            if (!_tools.TryAdd(tool.Name, tool))
            {
                throw new ArgumentException($"Two tools are named '{tool.Name}'; tool names must be unique.", nameof(tools));
            }
        }

        _workers = new ActionBlock<ToolCall>(ExecuteAsync, new ExecutionDataflowBlockOptions
        {
            MaxDegreeOfParallelism = snapshot.MaxConcurrency,
            EnsureOrdered = false,
            TaskScheduler = snapshot.TaskScheduler,
            CancellationToken = snapshot.CancellationToken,
        });
    }

    /// <summary>The tools this block runs, by name.</summary>
    public IReadOnlyDictionary<string, AIFunction> Tools => _tools;

    private protected override Task HandleAsync(ToolPipelineEvent message)
    {
        Emit(message);
        switch (message)
        {
            case ToolCallClosed closed when _options.DispatchTiming == ToolDispatchTiming.OnCallClosed:
                Dispatch(closed.Call);
                break;
            case ToolCallClosed closed:
                _held.Add(closed.Call);
                break;
            case ResponseCompleted:
                foreach (ToolCall call in _held)
                {
                    Dispatch(call);
                }

                _held.Clear();
                break;
        }

        return Task.CompletedTask;
    }

    private protected override async Task OnInputCompletedAsync()
    {
        _workers.Complete();
        await _workers.Completion.ConfigureAwait(false);
    }

    private void Dispatch(ToolCall call)
    {
        if (call.ArgumentsError is not null)
        {
            string message = $"The arguments of '{call.Name}' are not valid: {call.ArgumentsError}";
            Emit(new ToolCallFailed(call, ToolCallFailureKind.InvalidArguments, message, $"Error: {message} Call the tool again with a valid JSON object.", null, null) { Turn = call.Turn });
        }
        else if (!_tools.ContainsKey(call.Name))
        {
            string message = $"There is no tool named '{call.Name}'.";
            string available = string.Join(", ", _tools.Keys);
            Emit(new ToolCallFailed(call, ToolCallFailureKind.UnknownTool, message, $"Error: {message} The tools are: {available}.", null, null) { Turn = call.Turn });
        }
        else
        {
            _workers.Post(call);
        }
    }

    private async Task ExecuteAsync(ToolCall call)
    {
        AIFunction tool = _tools[call.Name];
        long started = TimeProvider.GetTimestamp();
        Emit(new ToolCallStarted(call) { Turn = call.Turn });
        try
        {
            var arguments = new AIFunctionArguments(call.Arguments is null ? new Dictionary<string, object?>() : new Dictionary<string, object?>(call.Arguments));
            object? result = await tool.InvokeAsync(arguments, CancellationToken).ConfigureAwait(false);
            Emit(new ToolCallCompleted(call, result, TimeProvider.GetElapsedTime(started)) { Turn = call.Turn });
        }
        catch (OperationCanceledException e) when (CancellationToken.IsCancellationRequested)
        {
            const string Message = "The call was cancelled.";
            Emit(new ToolCallFailed(call, ToolCallFailureKind.Cancelled, Message, $"Error: {Message}", e, TimeProvider.GetElapsedTime(started)) { Turn = call.Turn });
        }
        catch (Exception e)
        {
            string message = $"The tool '{call.Name}' failed: {e.Message}";
            string forModel = _options.IncludeDetailedErrors ? $"Error: {message}" : $"Error: the tool '{call.Name}' failed.";
            Emit(new ToolCallFailed(call, ToolCallFailureKind.ToolException, message, forModel, e, TimeProvider.GetElapsedTime(started)) { Turn = call.Turn });
        }
    }
}
