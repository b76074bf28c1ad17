using System.Text.Json;
using System.Threading.Tasks.Dataflow;
using Microsoft.Extensions.AI;

namespace ToolFlow.Benchmarks.Mesh;

/// <summary>
/// The baseline: the hops the mesh takes, without the mesh. Per conversation, an <see cref="ActionBlock{T}"/> takes a
/// closed call (as a <see cref="ToolFlow.Blocks.ToolExecutionBlock"/>'s input does) and starts the tool with
/// <see cref="TaskFactory.StartNew(Func{object?, Task}, object?, CancellationToken, TaskCreationOptions, TaskScheduler)"/>
/// on the default scheduler (as the mesh does), which posts the result to the conversation's counting sink. No gate,
/// no executor, no caps, no events other than the result.
/// </summary>
internal sealed class BareDataflowRig : IConversationRig
{
    private readonly AIFunction _tool;
    private readonly int _conversations;
    private readonly ActionBlock<int>[] _inputs;
    private readonly ActionBlock<object?>[] _sinks;
    private readonly AIFunctionArguments[] _arguments;
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _remaining;

    /// <summary>Builds the conversations and their calls' arguments.</summary>
    /// <param name="tool">The tool.</param>
    /// <param name="conversations">How many conversations.</param>
    /// <param name="callsPerConversation">How many calls each makes.</param>
    public BareDataflowRig(AIFunction tool, int conversations, int callsPerConversation)
    {
        _tool = tool;
        _conversations = conversations;
        int total = conversations * callsPerConversation;
        _remaining = total;
        _arguments = [.. Enumerable.Range(0, total).Select(n => new AIFunctionArguments(new Dictionary<string, object?> { ["n"] = JsonSerializer.SerializeToElement(n) }))];
        _inputs = new ActionBlock<int>[conversations];
        _sinks = new ActionBlock<object?>[conversations];
        for (int c = 0; c < conversations; c++)
        {
            ActionBlock<object?> sink = _sinks[c] = new ActionBlock<object?>(_ =>
            {
                if (Interlocked.Decrement(ref _remaining) == 0)
                {
                    _ended.TrySetResult();
                }
            });
            _inputs[c] = new ActionBlock<int>(n => Task.Factory.StartNew(
                static s => ((BareDataflowRig, ActionBlock<object?>, int))s! is var (rig, target, n) ? rig.RunAsync(target, n) : Task.CompletedTask,
                (this, sink, n),
                CancellationToken.None,
                TaskCreationOptions.DenyChildAttach,
                TaskScheduler.Default));
        }
    }

    /// <inheritdoc/>
    public Task AllEnded => _ended.Task;

    /// <inheritdoc/>
    public void Post(int n) => _inputs[n % _conversations].Post(n);

    /// <inheritdoc/>
    public void Finish()
    {
        AllEnded.GetAwaiter().GetResult();
        foreach (ActionBlock<int> input in _inputs)
        {
            input.Complete();
        }

        Task.WhenAll(_inputs.Select(i => i.Completion)).GetAwaiter().GetResult();
        foreach (ActionBlock<object?> sink in _sinks)
        {
            sink.Complete();
        }

        Task.WhenAll(_sinks.Select(s => s.Completion)).GetAwaiter().GetResult();
    }

    private async Task RunAsync(ActionBlock<object?> sink, int n) =>
        sink.Post(await _tool.InvokeAsync(_arguments[n]).ConfigureAwait(false));
}
