using System.Threading.Tasks.Dataflow;
using Microsoft.Extensions.AI;
using ToolFlow.Testing;
using static ToolFlow.Blocks.Tests.Events;

namespace ToolFlow.Blocks.Tests;

/// <summary>What a tool sees around it: the execution context its call closed in, and events that are never changed after the fact.</summary>
public sealed class ToolExecutionContextTests : ManualClockTests
{
    private static readonly AsyncLocal<string?> s_ambient = new();

    [Fact]
    public void Post_CallStartedWhenAnotherConversationFreesTheSlot_ToolRunsInItsOwnConversationsContext()
    {
        // One slot shared by two conversations: B's call starts on the thread where A's tool ends, yet sees B's context.
        var tools = new TestTools(Clock);
        var seen = new List<(string Conversation, string? Ambient)>();
        AIFunction who = tools.Computing("who", TimeSpan.FromMilliseconds(10), a =>
        {
            seen.Add((a["conversation"]!.ToString()!, s_ambient.Value));
            return null;
        });
        var executor = new ToolExecutor(new ToolExecutorOptions { MaxConcurrency = 1, TimeProvider = Clock, TaskScheduler = Scheduler });
        ToolExecutionBlock A = Block(), B = Block();
        ToolCall a = Call(0, "who", """{"conversation": "A"}"""), b = Call(0, "who", """{"conversation": "B"}""");
        var events = new List<ToolPipelineEvent>();

        VirtualTime.Run(Clock, Scheduler, async () =>
        {
            ActionBlock<ToolPipelineEvent> sinkA = Sink(events, Scheduler), sinkB = Sink(events, Scheduler);
            A.LinkTo(sinkA, new DataflowLinkOptions { PropagateCompletion = true });
            B.LinkTo(sinkB, new DataflowLinkOptions { PropagateCompletion = true });
            await Task.WhenAll(Converse(A, a, "context of A"), Converse(B, b, "context of B"));
            await Task.WhenAll(sinkA.Completion, sinkB.Completion);
        });

        Assert.Equal([("A", "context of A"), ("B", "context of B")], seen);
        Assert.Equal([10d, 20d], events.OfType<ToolCallCompleted>().Select(c => c.Ms(Clock)));

        ToolExecutionBlock Block() => new(TestTools.ReadOnly([who]), new ToolExecutionBlockOptions { TimeProvider = Clock, TaskScheduler = Scheduler, Executor = executor });

        async Task Converse(ToolExecutionBlock block, ToolCall call, string ambient)
        {
            s_ambient.Value = ambient;
            block.Post(new ToolCallClosed(call) { Turn = 1 });
            await At(50);
            block.Post(Response(call));
            block.Complete();
        }
    }

    [Fact]
    public void Post_EventWithoutTimestamp_IsPassedOnStampedAndTheOriginalIsUnchanged()
    {
        var tools = new TestTools(Clock);
        var block = new ToolExecutionBlock(TestTools.ReadOnly([tools.Delayed("a", TimeSpan.FromMilliseconds(5), "A")]), new ToolExecutionBlockOptions { TimeProvider = Clock, TaskScheduler = Scheduler });
        ToolCall call = Call(0, "a", "{}");
        var closed = new ToolCallClosed(call) { Turn = 1 };
        var events = new List<ToolPipelineEvent>();

        VirtualTime.Run(Clock, Scheduler, async () =>
        {
            ActionBlock<ToolPipelineEvent> sink = Sink(events, Scheduler);
            block.LinkTo(sink, new DataflowLinkOptions { PropagateCompletion = true });
            await At(7);
            block.Post(closed);
            await At(20);
            block.Post(Response(call));
            block.Complete();
            await sink.Completion;
        });

        ToolCallClosed passed = events.OfType<ToolCallClosed>().Single();
        Assert.NotSame(closed, passed);
        Assert.Equal(default, closed.Timestamp);
        Assert.Equal(7d, passed.Ms(Clock));
        Assert.Equal([7d, 12d], events.Where(e => e is ToolCallStarted or ToolCallCompleted).Select(e => e.Ms(Clock)));
    }
}
