using System.Text.Json;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;
using ToolFlow.Pipeline;
using ToolFlow.Providers.Scripted;
using ToolFlow.Testing;

namespace ToolFlow.Orleans.Tests;

/// <summary>
/// Pipeline behaviours written once and run with each executor: the tools' bodies in the test's process
/// (<see cref="LocalExecutorSuiteTests"/>) and on the shared cluster's workers through <see cref="RemoteToolFunction"/>
/// (<see cref="RemoteExecutorSuiteTests"/>). Each test asserts the same outcome for both (results, failure kinds,
/// each call's events in order, the history), never timings; held bodies are ordered by gates, not by the clock.
/// </summary>
public abstract class ExecutorSuite
{
    private static readonly ScriptedModelOptions s_fast = new() { TimeToFirstToken = TimeSpan.FromMilliseconds(1), TokensPerSecond = 5000 };

    /// <summary>Names the executor in the tags of held calls, so the two suites never share a gate.</summary>
    protected abstract string Executor { get; }

    /// <summary>The tool the pipeline gets for <paramref name="tool"/>: itself, or a remote stand-in.</summary>
    protected abstract AIFunction Place(AIFunction tool, string scope);

    [Fact]
    public async Task Run_FutureArgument_TheDependentCallGetsTheValueAndTheHistoryIsInCallOrder()
    {
        string tag = Tag("deps");
        ScriptedResponse turn = new ScriptedResponse()
            .Text("Fetch, then echo what came back.")
            .Call("held", $$"""{"tag": "{{tag}}"}""")
            .Call("echo", """{"q": {"$future": "call_t1_0"}}""")
            .Call("twice", """{"n": 21}""");

        // The first call is held until its dependent waits for it.
        (List<ToolPipelineEvent> events, RunCompleted completed) = await RunAsync(
            [turn, new ScriptedResponse().Text("Done.")],
            [Tool("held"), Tool("echo"), Tool("twice")],
            "deps",
            (_, e) =>
            {
                if (e is ToolCallWaiting { Call.CallId: "call_t1_1" })
                {
                    WorkerTools.Signal(WorkerTools.Gates, tag).TrySetResult();
                }

                return Task.CompletedTask;
            });

        Assert.Equal(
            [
                "call_t1_0: ToolCallDetected ToolCallClosed ToolCallStarted ToolCallCompleted",
                "call_t1_1: ToolCallDetected ToolCallClosed ToolCallWaiting ToolCallStarted ToolCallCompleted",
                "call_t1_2: ToolCallDetected ToolCallClosed ToolCallStarted ToolCallCompleted",
            ],
            PerCall(events));
        Assert.Equal(
            [
                "user: go",
                $"assistant: Fetch, then echo what came back. | call held {{\"tag\":\"{tag}\"}} | call echo {{\"q\":{{\"$future\":\"call_t1_0\"}}}} | call twice {{\"n\":21}}",
                $"tool: result call_t1_0 \"held {tag}\" | result call_t1_1 \"echo held {tag}\" | result call_t1_2 42",
                "assistant: Done.",
            ],
            History(completed));
    }

    [Fact]
    public async Task Run_SameReadOnlyCallTwice_OneBodyRunsAndBothGetItsResult()
    {
        string tag = Tag("dedup");
        WorkerTools.Signal(WorkerTools.Gates, tag).TrySetResult();
        string call = $$"""{"tag": "{{tag}}"}""";
        ScriptedResponse turn = new ScriptedResponse().Call("held", call).Call("held", call);

        (List<ToolPipelineEvent> events, RunCompleted completed) = await RunAsync([turn, new ScriptedResponse().Text("Once.")], [Tool("held")], "dedup");

        Assert.Single(WorkerTools.Effects, e => e.StartsWith($"held {tag} ", StringComparison.Ordinal));
        Assert.Equal("call_t1_0", Assert.Single(events.OfType<ToolCallDeduplicated>()).OriginalCallId);
        Assert.Equal($"tool: result call_t1_0 \"held {tag}\" | result call_t1_1 \"held {tag}\"", History(completed)[2]);
    }

    [Fact]
    public async Task Run_SideEffectingCallMidResponse_StartsOnlyOnceTheResponseEnded()
    {
        string tag = Tag("effect");
        WorkerTools.Signal(WorkerTools.Gates, tag).TrySetResult();
        ScriptedResponse turn = new ScriptedResponse()
            .Call("held_side_effect", $$"""{"tag": "{{tag}}"}""")
            .Text(" The text goes on after the call, and the call waits for it to end.");

        (List<ToolPipelineEvent> events, _) = await RunAsync([turn, new ScriptedResponse().Text("Sent.")], [Tool("held_side_effect")], "effect");

        Assert.Equal(
            ["ToolCallClosed", "ToolCallWaiting", "ResponseCompleted", "ToolCallStarted", "ToolCallCompleted"],
            events.Where(e => e.Turn == 1 && e is ToolCallClosed or ToolCallWaiting or ResponseCompleted or ToolCallStarted or ToolCallCompleted).Select(e => e.GetType().Name));
    }

    [Fact]
    public async Task CancelCall_BodyRunning_TheBodySeesItsTokenAndTheCallIsCancelled()
    {
        string tag = Tag("cancel");
        ScriptedResponse turn = new ScriptedResponse().Call("held", $$"""{"tag": "{{tag}}"}""").Call("echo", """{"q": "b"}""");

        (List<ToolPipelineEvent> events, RunCompleted completed) = await RunAsync(
            [turn, new ScriptedResponse().Text("One of two.")],
            [Tool("held"), Tool("echo")],
            "cancel",
            async (run, e) =>
            {
                if (e is ToolCallStarted { Call.Name: "held" } started)
                {
                    await WorkerTools.Signal(WorkerTools.Started, tag).Task.WaitAsync(TimeSpan.FromSeconds(30));
                    Assert.Equal(ToolControlResult.Applied, run.CancelCall(started.Call.CallId));
                }
            });

        await WorkerTools.Signal(WorkerTools.Cancelled, tag).Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(
            ["call_t1_0: ToolCallDetected ToolCallClosed ToolCallStarted ToolCallFailed Cancelled", "call_t1_1: ToolCallDetected ToolCallClosed ToolCallStarted ToolCallCompleted"],
            PerCall(events));
        Assert.Equal("One of two.", completed.FinalText);
    }

    [Fact]
    public async Task Run_BodyPastItsTimeout_TimedOutAndTheBodySeesItsToken()
    {
        string tag = Tag("timeout");
        ScriptedResponse turn = new ScriptedResponse().Call("held", $$"""{"tag": "{{tag}}"}""");
        // The pipeline's clock is manual: the timeout passes once the body runs, whatever the machine's speed.
        var clock = new ManualTimeProvider();
        TimeSpan timeout = TimeSpan.FromHours(1);
        var tool = new ToolDescriptor(Place(Tool("held"), $"{Executor}-timeout"), ToolEffects.ReadOnly) { Timeout = timeout };

        (List<ToolPipelineEvent> events, _) = await RunAsync(
            [turn, new ScriptedResponse().Text("Too slow.")],
            [],
            "timeout",
            async (_, e) =>
            {
                if (e is ToolCallStarted)
                {
                    await WorkerTools.Signal(WorkerTools.Started, tag).Task.WaitAsync(TimeSpan.FromSeconds(30));
                    clock.Advance(timeout);
                }
            },
            descriptors: [tool],
            clock: clock);

        await WorkerTools.Signal(WorkerTools.Cancelled, tag).Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(["call_t1_0: ToolCallDetected ToolCallClosed ToolCallStarted ToolCallFailed TimedOut"], PerCall(events));
    }

    [Fact]
    public async Task Run_ThrowingAndUnknownTools_FailAsLocallyAndTheModelSeesTheSameResults()
    {
        ScriptedResponse turn = new ScriptedResponse().Call("failing", """{"q": "x"}""").Call("missing", "{}").Call("echo", """{"q": "c"}""");

        (List<ToolPipelineEvent> events, RunCompleted completed) = await RunAsync([turn, new ScriptedResponse().Text("Partly.")], [Tool("failing"), Tool("echo")], "errors");

        Assert.Equal(
            [
                "call_t1_0: ToolCallDetected ToolCallClosed ToolCallStarted ToolCallFailed ToolException",
                "call_t1_1: ToolCallDetected ToolCallClosed ToolCallFailed UnknownTool",
                "call_t1_2: ToolCallDetected ToolCallClosed ToolCallStarted ToolCallCompleted",
            ],
            PerCall(events));
        Assert.Equal(4, History(completed).Count);
        Assert.EndsWith("| result call_t1_2 \"echo c\"", History(completed)[2], StringComparison.Ordinal);
    }

    private string Tag(string name) => $"{Executor}-suite-{name}";

    private static AIFunction Tool(string name) => WorkerTools.All("local").Single(t => t.Name == name);

    private async Task<(List<ToolPipelineEvent> Events, RunCompleted Completed)> RunAsync(
        ScriptedResponse[] turns,
        AIFunction[] tools,
        string scope,
        Func<ToolPipelineRun, ToolPipelineEvent, Task>? onEvent = null,
        ToolDescriptor[]? descriptors = null,
        TimeProvider? clock = null)
    {
        var model = new ScriptedChatClient(turns, s_fast);
        ToolPipelineBuilder builder = ToolPipeline.CreateBuilder(model).WithTimeProvider(clock ?? TimeProvider.System);
        foreach (AIFunction tool in tools)
        {
            ToolEffects effects = tool.Name.Contains("side_effect", StringComparison.Ordinal) ? ToolEffects.SideEffecting : ToolEffects.ReadOnly;
            builder.AddTool(new ToolDescriptor(Place(tool, $"{Executor}-{scope}"), effects) { Timeout = TimeSpan.FromSeconds(60) });
        }

        builder.AddTools(descriptors ?? []);
        await using ToolPipelineRun run = builder.Build().Start([new ChatMessage(ChatRole.User, "go")]);
        var events = new List<ToolPipelineEvent>();
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await foreach (ToolPipelineEvent e in run.Events.WithCancellation(bound.Token))
        {
            events.Add(e);
            if (onEvent is not null)
            {
                await onEvent(run, e);
            }
        }

        return (events, await run.Completion.WaitAsync(bound.Token));
    }

    // Each call's events in order, with the failure kind.
    private static List<string> PerCall(List<ToolPipelineEvent> events) =>
    [
        .. events
            .Select(e => e switch
            {
                ToolCallDetected d => (d.CallId, "ToolCallDetected"),
                ToolCallClosed c => (c.Call.CallId, "ToolCallClosed"),
                ToolCallWaiting w => (w.Call.CallId, "ToolCallWaiting"),
                ToolCallStarted s => (s.Call.CallId, "ToolCallStarted"),
                ToolCallCompleted c => (c.Call.CallId, "ToolCallCompleted"),
                ToolCallFailed f => (f.Call.CallId, $"ToolCallFailed {f.Kind}"),
                _ => ((string?)null, string.Empty),
            })
            .Where(p => p.Item1 is not null)
            .GroupBy(p => p.Item1)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{g.Key}: {string.Join(' ', g.Select(p => p.Item2))}"),
    ];

    // The conversation as the model sees it next: one line per message.
    private static List<string> History(RunCompleted completed) =>
    [
        .. completed.Messages.Select(m => $"{m.Role}: " + string.Join(" | ", m.Contents.Select(c => c switch
        {
            TextContent t => t.Text,
            FunctionCallContent call => $"call {call.Name} {JsonSerializer.Serialize(call.Arguments, AIJsonUtilities.DefaultOptions).Replace("\n", string.Empty, StringComparison.Ordinal).Replace(" ", string.Empty, StringComparison.Ordinal)}",
            FunctionResultContent result => $"result {result.CallId} {JsonSerializer.Serialize(result.Result, AIJsonUtilities.DefaultOptions)}",
            _ => c.GetType().Name,
        }))),
    ];
}
