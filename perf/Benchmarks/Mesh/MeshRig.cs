using System.Text.Json;
using System.Threading.Tasks.Dataflow;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;
using ToolFlow.Pipeline;

namespace ToolFlow.Benchmarks.Mesh;

/// <summary>
/// Many conversations on one shared <see cref="ToolExecutor"/>: a <see cref="ToolExecutionBlock"/> per conversation,
/// each linked to a sink that counts its terminal events, and every call's <see cref="ToolCallClosed"/> built
/// beforehand so a run only posts. Call <c>n</c> belongs to conversation <c>n % conversations</c>. With a ledger, each
/// conversation is recorded as a pipeline run is: its recorder hooks the block's dispatches and attempts and folds
/// every event the sink takes, and its writer drains to the ledger in the background.
/// </summary>
internal sealed class MeshRig : IConversationRig
{
    private readonly ActionBlock<ToolPipelineEvent>[] _sinks;
    private readonly LedgerRecorder[] _recorders;
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _remaining;
    private int _failed;

    /// <summary>Builds the conversations and their calls.</summary>
    /// <param name="tool">The one tool; read-only, so each call may start the instant it closes.</param>
    /// <param name="conversations">How many conversations.</param>
    /// <param name="callsPerConversation">How many calls each conversation makes.</param>
    /// <param name="globalCap">The executor's global cap.</param>
    /// <param name="completesSynchronously">Whether the tool takes the synchronous fast path (<see cref="ToolDescriptor.CompletesSynchronously"/>).</param>
    /// <param name="ledger">Where each conversation is recorded; <see langword="null"/> for no ledger.</param>
    public MeshRig(AIFunction tool, int conversations, int callsPerConversation, int globalCap, bool completesSynchronously = false, IToolCallLedger? ledger = null)
    {
        Conversations = conversations;
        Total = conversations * callsPerConversation;
        _remaining = Total;
        Executor = new ToolExecutor(new ToolExecutorOptions { MaxConcurrency = globalCap });
        ToolDescriptor[] tools = [new ToolDescriptor(tool, ToolEffects.ReadOnly) { CompletesSynchronously = completesSynchronously }];
        Blocks = new ToolExecutionBlock[conversations];
        _sinks = new ActionBlock<ToolPipelineEvent>[conversations];
        _recorders = ledger is null ? [] : new LedgerRecorder[conversations];
        var pipelineOptions = new ToolPipelineOptions();
        for (int c = 0; c < conversations; c++)
        {
            var options = new ToolExecutionBlockOptions { Executor = Executor };
            if (ledger is not null)
            {
                LedgerRecorder recorder = _recorders[c] = new LedgerRecorder(ledger, pipelineOptions, tools, new LedgerRunRecord($"run_{c}", $"conversation_{c}", "Await", DateTimeOffset.UtcNow, "[]"), resume: null);
                options.CallHook = recorder;
                _sinks[c] = new ActionBlock<ToolPipelineEvent>(e =>
                {
                    recorder.Observe(e);
                    OnEvent(e);
                });
            }
            else
            {
                _sinks[c] = new ActionBlock<ToolPipelineEvent>(OnEvent);
            }

            Blocks[c] = new ToolExecutionBlock(tools, options);
            Blocks[c].LinkTo(_sinks[c], new DataflowLinkOptions { PropagateCompletion = true });
        }

        Closed = new ToolCallClosed[Total];
        var calls = new List<ToolCall>[conversations];
        for (int n = 0; n < Total; n++)
        {
            var arguments = new Dictionary<string, object?>(StringComparer.Ordinal) { ["n"] = JsonSerializer.SerializeToElement(n) };
            var call = new ToolCall($"call_{n}", tool.Name, n / conversations, 1, arguments, $$"""{"n":{{n}}}""");
            Closed[n] = new ToolCallClosed(call) { Turn = 1 };
            (calls[n % conversations] ??= []).Add(call);
        }

        Responses = [.. calls.Select(c => new ResponseCompleted(new ChatMessage(ChatRole.Assistant, []), c, ChatFinishReason.ToolCalls, null, null) { Turn = 1 })];
    }

    /// <summary>The number of conversations.</summary>
    public int Conversations { get; }

    /// <summary>The number of calls.</summary>
    public int Total { get; }

    /// <summary>The shared executor.</summary>
    public ToolExecutor Executor { get; }

    /// <summary>One block per conversation.</summary>
    public ToolExecutionBlock[] Blocks { get; }

    /// <summary>Every call's closing event, by call number.</summary>
    public ToolCallClosed[] Closed { get; }

    /// <summary>Each conversation's response end, listing its calls.</summary>
    public ResponseCompleted[] Responses { get; }

    /// <inheritdoc/>
    public Task AllEnded => _ended.Task;

    /// <inheritdoc/>
    public void Post(int n) => Blocks[n % Conversations].Post(Closed[n]);

    /// <inheritdoc/>
    public void Finish()
    {
        for (int c = 0; c < Conversations; c++)
        {
            Blocks[c].Post(Responses[c]);
            Blocks[c].Complete();
        }

        Task.WhenAll(_sinks.Select(s => s.Completion)).GetAwaiter().GetResult();
        Task.WhenAll(_recorders.Select(r => r.CompleteAsync(null, TimeSpan.FromSeconds(30)))).GetAwaiter().GetResult();
        if (_remaining != 0 || _failed != 0)
        {
            throw new InvalidOperationException($"{_remaining} calls without a terminal event and {_failed} failed, of {Total}.");
        }
    }

    private void OnEvent(ToolPipelineEvent e)
    {
        if (e is ToolCallCompleted or ToolCallFailed)
        {
            if (e is ToolCallFailed)
            {
                Interlocked.Increment(ref _failed);
            }

            if (Interlocked.Decrement(ref _remaining) == 0)
            {
                _ended.TrySetResult();
            }
        }
    }
}
