using System.Threading.Tasks.Dataflow;
using Microsoft.Extensions.AI;
using ToolFlow.Testing;
using static ToolFlow.Blocks.Tests.Events;

namespace ToolFlow.Blocks.Tests;

/// <summary>
/// The executor's hook (<see cref="ToolExecutionBlockOptions.CallHook"/>, which a pipeline's ledger sets): its say
/// before a body starts, the key the body sees, and each attempt's start and end.
/// </summary>
public sealed class ToolCallHookTests : ManualClockTests
{
    private readonly List<string?> _keys = [];

    private AIFunction Tool(string name) => new KeyTool(name, Clock, _keys);

    private ToolExecutionBlock Block(ScriptedHook hook, params ToolDescriptor[] tools) =>
        new(tools, new ToolExecutionBlockOptions { TimeProvider = Clock, TaskScheduler = Scheduler, CallHook = hook });

    private List<ToolPipelineEvent> RunCalls(ToolExecutionBlock block, params ToolCall[] calls) => Run(block, target =>
    {
        foreach (ToolCall call in calls)
        {
            target.Post(new ToolCallClosed(call) { Turn = 1 });
        }

        target.Post(Response(calls));
        return Task.CompletedTask;
    });

    [Fact]
    public void BeforeBodyAsync_RunWithKey_TheBodySeesTheKeyAndEachAttemptIsReported()
    {
        var hook = new ScriptedHook(_ => ToolCallHookDecision.Run("k-1"));
        ToolCall call = Call(0, "pay", "{}");

        List<ToolPipelineEvent> events = RunCalls(Block(hook, new ToolDescriptor(Tool("pay"))), call);

        Assert.Equal(["k-1"], _keys);
        Assert.Equal([$"before {call.CallId}", $"attempt 1 {call.CallId}", $"ended 1 {call.CallId} ok"], hook.Log);
        Assert.Contains(events, e => e is ToolCallCompleted { Result: "pay-done" });
        Assert.Null(ToolIdempotency.CurrentKey);
    }

    [Fact]
    public void BeforeBodyAsync_ReplayOrFail_TheBodyNeverRuns()
    {
        var hook = new ScriptedHook(c => c.Name == "a"
            ? ToolCallHookDecision.Replay("recorded")
            : ToolCallHookDecision.Fail(new ToolCallOutcomeException(ToolCallFailureKind.OutcomeUnknown, "unknown", "Error: may or may not have happened.")));
        ToolCall a = Call(0, "a", "{}");
        ToolCall b = Call(1, "b", "{}");

        List<ToolPipelineEvent> events = RunCalls(Block(hook, new ToolDescriptor(Tool("a"), ToolEffects.ReadOnly), new ToolDescriptor(Tool("b"))), a, b);

        Assert.Empty(_keys);
        Assert.Equal("recorded", Assert.Single(events.OfType<ToolCallCompleted>()).Result);
        ToolCallFailed failed = Assert.Single(events.OfType<ToolCallFailed>());
        Assert.Equal((ToolCallFailureKind.OutcomeUnknown, "unknown", "Error: may or may not have happened."), (failed.Kind, failed.Message, failed.ResultForModel));
        Assert.DoesNotContain(hook.Log, l => l.StartsWith("attempt", StringComparison.Ordinal));
    }

    private sealed class ScriptedHook(Func<ToolCall, ToolCallHookDecision> decide) : IToolCallHook
    {
        public List<string> Log { get; } = [];

        public ValueTask<ToolCallHookDecision> BeforeBodyAsync(ToolCall call, ToolDescriptor tool, CancellationToken cancellationToken)
        {
            Log.Add($"before {call.CallId}");
            return new(decide(call));
        }

        public void OnAttemptStarted(ToolCall call, int attempt) => Log.Add($"attempt {attempt} {call.CallId}");

        public void OnAttemptEnded(ToolCall call, int attempt, Exception? error) => Log.Add($"ended {attempt} {call.CallId} {error?.Message ?? "ok"}");
    }

    private sealed class KeyTool(string name, TimeProvider clock, List<string?> keys) : AIFunction
    {
        public override string Name => name;

        protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
        {
            keys.Add(ToolIdempotency.CurrentKey);
            await Task.Delay(TimeSpan.FromMilliseconds(10), clock, cancellationToken).ConfigureAwait(false);
            return $"{name}-done";
        }
    }
}
