using System.Threading.Tasks.Dataflow;
using Microsoft.Extensions.AI;
using ToolFlow.Testing;
using static ToolFlow.Blocks.Tests.Events;

namespace ToolFlow.Blocks.Tests;

/// <summary>
/// What the block tests on the manual clock share: the clock and scheduler, waiting for an instant, a response that
/// ends a turn, and running a block while recording every event it offers.
/// </summary>
public abstract class ManualClockTests
{
    /// <summary>The clock every block of the test reads.</summary>
    protected ManualTimeProvider Clock { get; } = new();

    /// <summary>The scheduler every block of the test runs on.</summary>
    protected ManualTaskScheduler Scheduler { get; } = new();

    /// <summary>The model's response for turn 1, ending with <paramref name="finish"/> and holding <paramref name="calls"/>.</summary>
    protected static ResponseCompleted Response(ChatFinishReason finish, params ToolCall[] calls) =>
        new(new ChatMessage(ChatRole.Assistant, []), calls, finish, null, null) { Turn = 1 };

    /// <summary>The model's response for turn 1, ending with tool calls.</summary>
    protected static ResponseCompleted Response(params ToolCall[] calls) => Response(ChatFinishReason.ToolCalls, calls);

    /// <summary>Waits until the clock reads <paramref name="ms"/>, then continues on the scheduler.</summary>
    protected Task At(double ms) => Task.Delay(TimeSpan.FromMilliseconds(ms) - Clock.Elapsed, Clock);

    /// <summary>Runs <paramref name="feed"/> against the block, completes it, and records every event it offers.</summary>
    protected List<ToolPipelineEvent> Run(ToolExecutionBlock block, Func<ITargetBlock<ToolPipelineEvent>, Task> feed)
    {
        var events = new List<ToolPipelineEvent>();
        VirtualTime.Run(Clock, Scheduler, async () =>
        {
            ActionBlock<ToolPipelineEvent> sink = Sink(events, Scheduler);
            block.LinkTo(sink, new DataflowLinkOptions { PropagateCompletion = true });
            await feed(block);
            block.Complete();
            await sink.Completion;
        });
        return events;
    }
}
