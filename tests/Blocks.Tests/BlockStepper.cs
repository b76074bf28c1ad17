using System.Threading.Tasks.Dataflow;
using ToolFlow.Testing;

namespace ToolFlow.Blocks.Tests;

/// <summary>
/// Drives one block by hand on a <see cref="ManualTaskScheduler"/>: post a message, run until idle, take what came
/// out. What a single message produces is then exactly what <see cref="Send"/> returns.
/// </summary>
internal sealed class BlockStepper<TInput>(ToolEventBlock<TInput> block, ManualTimeProvider clock, ManualTaskScheduler scheduler)
{
    /// <summary>Posts one message and returns the events it produced.</summary>
    public IReadOnlyList<ToolPipelineEvent> Send(TInput message)
    {
        Assert.True(block.Post(message), "the block accepts the message");
        return Take();
    }

    /// <summary>Completes the input and returns the last events; the block is then complete.</summary>
    public IReadOnlyList<ToolPipelineEvent> Complete()
    {
        block.Complete();
        var rest = new List<ToolPipelineEvent>();

        // Dataflow completes some blocks on the thread pool; the driver waits for that without moving the clock.
        TimeSpan before = clock.Elapsed;
        VirtualTime.Run(clock, scheduler, async () =>
        {
            while (await block.OutputAvailableAsync())
            {
                if (block.TryReceiveAll(out IList<ToolPipelineEvent>? items))
                {
                    rest.AddRange(items);
                }
            }

            await block.Completion;
        });
        Assert.Equal(before, clock.Elapsed);
        return rest;
    }

    /// <summary>Runs queued work and returns every event waiting on the output.</summary>
    public IReadOnlyList<ToolPipelineEvent> Take()
    {
        scheduler.RunUntilIdle();
        return block.TryReceiveAll(out IList<ToolPipelineEvent>? items) ? [.. items] : [];
    }
}
