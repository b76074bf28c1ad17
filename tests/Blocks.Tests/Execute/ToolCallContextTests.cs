using System.Threading.Tasks.Dataflow;
using Microsoft.Extensions.AI;
using ToolFlow.Testing;
using static ToolFlow.Blocks.Tests.Events;

namespace ToolFlow.Blocks.Tests;

/// <summary>What a forwarding tool reads about its call (<see cref="ToolCallContext"/>) and how it reports a lost outcome (<see cref="ToolOutcomeUnknownException"/>).</summary>
public sealed class ToolCallContextTests : ManualClockTests
{
    [Fact]
    public void Current_InsideEachAttempt_NamesTheCallItsToolAndTheAttempt()
    {
        var seen = new List<(string CallId, string Tool, int Attempt, ToolEffects Effects)>();
        int calls = 0;
        AIFunction flaky = AIFunctionFactory.Create(() =>
        {
            ToolCallContext context = ToolCallContext.Current!;
            seen.Add((context.Call.CallId, context.Tool.Name, context.Attempt, context.Tool.Effects));
            return ++calls < 3 ? throw new InvalidOperationException("not yet") : "done";
        }, "flaky");
        var tool = new ToolDescriptor(flaky, ToolEffects.Idempotent) { Retry = new ToolRetryPolicy { MaxRetryAttempts = 3, BaseDelay = TimeSpan.FromMilliseconds(5), UseJitter = false } };

        ToolCall call = Call(0, "flaky", "{}");
        List<ToolPipelineEvent> events = RunOne(tool, call);

        Assert.Equal([(call.CallId, "flaky", 1, ToolEffects.Idempotent), (call.CallId, "flaky", 2, ToolEffects.Idempotent), (call.CallId, "flaky", 3, ToolEffects.Idempotent)], seen);
        Assert.Single(events.OfType<ToolCallCompleted>());
        Assert.Null(ToolCallContext.Current);
    }

    [Fact]
    public void Invoke_ToolThrowsOutcomeUnknown_CallFailsAsOutcomeUnknownOnceWithoutRetry()
    {
        int attempts = 0;
        AIFunction lost = AIFunctionFactory.Create(() =>
        {
            attempts++;
            throw new ToolOutcomeUnknownException("the node running it was lost");
        }, "send_email");
        var tool = new ToolDescriptor(lost, ToolEffects.SideEffecting) { Retry = new ToolRetryPolicy { MaxRetryAttempts = 3, BaseDelay = TimeSpan.FromMilliseconds(5), UseJitter = false } };

        List<ToolPipelineEvent> events = RunOne(tool, Call(0, "send_email", "{}"));

        ToolCallFailed failed = Assert.Single(events.OfType<ToolCallFailed>());
        Assert.Equal(ToolCallFailureKind.OutcomeUnknown, failed.Kind);
        Assert.Equal("The call to 'send_email' may or may not have taken effect: the node running it was lost", failed.Message);
        Assert.EndsWith("Check before calling it again.", failed.ResultForModel, StringComparison.Ordinal);
        Assert.Equal(1, attempts);
    }

    [Fact]
    public void Constructors_DefaultMessageAndCause_AreKept()
    {
        var cause = new IOException("connection reset");
        Assert.Contains("may or may not have taken effect", new ToolOutcomeUnknownException().Message, StringComparison.Ordinal);
        Assert.Same(cause, new ToolOutcomeUnknownException("lost", cause).InnerException);
    }

    private List<ToolPipelineEvent> RunOne(ToolDescriptor tool, ToolCall call)
    {
        var block = new ToolExecutionBlock([tool], new ToolExecutionBlockOptions { TimeProvider = Clock, TaskScheduler = Scheduler });
        var events = new List<ToolPipelineEvent>();
        VirtualTime.Run(Clock, Scheduler, async () =>
        {
            ActionBlock<ToolPipelineEvent> sink = Sink(events, Scheduler);
            block.LinkTo(sink, new DataflowLinkOptions { PropagateCompletion = true });
            block.Post(new ToolCallClosed(call) { Turn = 1 });
            await At(100);
            block.Post(Response(call));
            block.Complete();
            await sink.Completion;
        });
        return events;
    }
}
