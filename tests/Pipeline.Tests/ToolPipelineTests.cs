using System.Text.Json;
using System.Threading.Tasks.Dataflow;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;
using ToolFlow.Pipeline;
using ToolFlow.Providers.Scripted;
using ToolFlow.StreamParsers;
using ToolFlow.Testing;

namespace ToolFlow.Pipeline.Tests;

public sealed class ToolPipelineTests
{
    private static readonly TimeSpan s_ttft = TimeSpan.FromMilliseconds(100);
    private readonly ManualTimeProvider _clock = new();
    private readonly ManualTaskScheduler _scheduler = new();

    private static IReadOnlyList<ChatMessage> Ask(string text) => [new(ChatRole.User, text)];

    private ScriptedChatClient Model(ScriptedToolCallShape shape, params ScriptedResponse[] turns) =>
        new(turns, new ScriptedModelOptions { TimeProvider = _clock, TimeToFirstToken = s_ttft, TokensPerSecond = 50, CallShape = shape });

    private ToolPipelineBuilder Builder(IChatClient model) =>
        ToolPipeline.CreateBuilder(model).WithTimeProvider(_clock).Configure(o => o.TaskScheduler = _scheduler);

    private List<ToolPipelineEvent> Run(ToolPipeline pipeline, IReadOnlyList<ChatMessage> messages)
    {
        var events = new List<ToolPipelineEvent>();
        VirtualTime.Run(_clock, _scheduler, async () =>
        {
            await foreach (ToolPipelineEvent e in pipeline.RunAsync(messages))
            {
                events.Add(e);
            }
        });
        return events;
    }

    /// <summary>Three calls closing mid-decode, the text going on after the last one.</summary>
    internal static ScriptedResponse ThreeCalls() => new ScriptedResponse()
        .Text("Looking up three things at once.")
        .Call("slow", """{"q": "first"}""")
        .Text(" Meanwhile the text goes on,")
        .Call("fast", """{"q": "second"}""")
        .Text(" and on,")
        .Call("medium", """{"q": "third"}""")
        .Text(" until the response finally ends here.");

    private double Ms(ToolPipelineEvent e) => (e.Timestamp - _clock.Epoch).TotalMilliseconds;

    [Theory]
    [InlineData(ScriptedToolCallShape.OpenAIDeltas)]
    [InlineData(ScriptedToolCallShape.HermesText)]
    public void RunAsync_CallsCloseMidDecode_EachToolStartsAtTheInstantItsArgumentsClose(ScriptedToolCallShape shape)
    {
        ScriptedChatClient model = Model(shape, ThreeCalls(), new ScriptedResponse().Text("All three are back."));
        var tools = new TestTools(_clock);
        var latencies = new Dictionary<string, double> { ["slow"] = 1500, ["fast"] = 100, ["medium"] = 400 };
        ToolPipelineBuilder builder = Builder(model).AddTools(latencies.Select(l => tools.Delayed(l.Key, TimeSpan.FromMilliseconds(l.Value), $"{l.Key}-result")), ToolEffects.ReadOnly);
        if (shape == ScriptedToolCallShape.HermesText)
        {
            builder.WithTextParser(o => ToolCallFormatRegistry.Default.Create("hermes", o));
        }

        List<ToolPipelineEvent> events = Run(builder.Build(), Ask("go"));

        // The expected timeline, from the script: each call closes on the token that ends its arguments, starts
        // at that same instant, and completes its latency later. The decode ends after every call closed.
        ScriptedStream stream = model.Streams.First();
        string[] names = ["slow", "fast", "medium"];
        var expected = new List<(double Ms, string What)>();
        for (int i = 0; i < 3; i++)
        {
            double closed = stream.CallClosedOffsets[i].TotalMilliseconds;
            expected.Add((closed, $"closed {names[i]}"));
            expected.Add((closed, $"started {names[i]}"));
            expected.Add((closed + latencies[names[i]], $"completed {names[i]}"));
        }

        expected.Add((stream.DecodeDuration.TotalMilliseconds, "response"));
        List<(double Ms, string What)> actual = events.Where(e => e.Turn == 1).Select(e => e switch
        {
            ToolCallClosed c => (Ms(e), $"closed {c.Call.Name}"),
            ToolCallStarted s => (Ms(e), $"started {s.Call.Name}"),
            ToolCallCompleted c => (Ms(e), $"completed {c.Call.Name}"),
            ResponseCompleted => (Ms(e), "response"),
            _ => (double.NaN, string.Empty),
        }).Where(x => x.Item2.Length > 0).ToList();

        // Events come in the order things happened; ties keep the mesh's causal order.
        Assert.Equal(expected.OrderBy(x => x.Ms).Select(x => x.What), actual.Select(x => x.What));
        Assert.Equal(expected.OrderBy(x => x.Ms).Select(x => x.Ms), actual.Select(x => x.Ms));
        Assert.True(stream.CallClosedOffsets[2] < stream.DecodeDuration, "the last call closes before the response ends");
        Assert.True(stream.CallClosedOffsets.Max() + TimeSpan.FromMilliseconds(100) < stream.DecodeDuration, "calls close well before the end");

        // Events arrive in completion order; results enter the conversation in call order: slow, fast, medium.
        IEnumerable<string> completionOrder = expected.Where(x => x.What.StartsWith("completed", StringComparison.Ordinal)).OrderBy(x => x.Ms).Select(x => x.What[10..]);
        Assert.NotEqual(names, completionOrder);
        Assert.Equal(completionOrder, events.OfType<ToolCallCompleted>().Select(c => c.Call.Name));
        RunCompleted run = Assert.IsType<RunCompleted>(events[^1]);
        Assert.Equal(RunCompletionReason.FinalAnswer, run.Reason);
        ChatMessage assistant = run.Messages[1];
        Assert.Equal(["slow", "fast", "medium"], assistant.Contents.OfType<FunctionCallContent>().Select(c => c.Name));
        ChatMessage toolMessage = run.Messages[2];
        Assert.Equal(ChatRole.Tool, toolMessage.Role);
        Assert.Equal(
            ["slow-result", "fast-result", "medium-result"],
            toolMessage.Contents.OfType<FunctionResultContent>().Select(r => JsonSerializer.SerializeToElement(r.Result).GetString()));
        Assert.Equal(
            assistant.Contents.OfType<FunctionCallContent>().Select(c => c.CallId),
            toolMessage.Contents.OfType<FunctionResultContent>().Select(r => r.CallId));
        Assert.Equal("All three are back.", run.FinalText);

        // Sequence numbers are strictly increasing, from 1.
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Sequence));
    }

    [Fact]
    public void RunAsync_TextFormatCalls_TextAroundCallsStreamsAsText()
    {
        ScriptedChatClient model = Model(ScriptedToolCallShape.HermesText, ThreeCalls(), new ScriptedResponse().Text("Done."));
        var tools = new TestTools(_clock);
        ToolPipeline pipeline = Builder(model)
            .AddTools(["slow", "fast", "medium"], tools)
            .WithTextParser(o => ToolCallFormatRegistry.Default.Create("hermes", o))
            .Build();

        List<ToolPipelineEvent> events = Run(pipeline, Ask("go"));

        string text = string.Concat(events.OfType<TextDelta>().Where(e => e.Turn == 1).Select(d => d.Text));
        Assert.Equal("Looking up three things at once. Meanwhile the text goes on, and on, until the response finally ends here.", text);
        Assert.DoesNotContain(events, e => e is DiagnosticReported);
        Assert.Equal(3, events.OfType<ToolCallCompleted>().Count());
    }

    [Fact]
    public void RunAsync_BadCalls_EachReachesTheModelAsAnErrorAndTheCallerAsAnEvent()
    {
        ScriptedResponse first = new ScriptedResponse()
            .Text("Trying tools.")
            .Call("explode", """{"x": 1}""")
            .Call("no_such_tool", """{"x": 2}""")
            .Call("fine", """{"x": [1, 2}""")
            .Call("fine", """{"x": 3}""");
        IReadOnlyList<ChatMessage>? secondTurnInput = null;
        var model = new ScriptedChatClient(
            messages =>
            {
                if (ScriptedChatClient.TurnOf(messages) == 1)
                {
                    return first;
                }

                secondTurnInput = messages;
                return new ScriptedResponse().Text("Recovered.");
            },
            new ScriptedModelOptions { TimeProvider = _clock, TimeToFirstToken = s_ttft, TokensPerSecond = 50 });
        var tools = new TestTools(_clock);
        ToolPipeline pipeline = Builder(model)
            .AddTool(tools.Throwing("explode", TimeSpan.FromMilliseconds(50), new InvalidOperationException("boom")), ToolEffects.ReadOnly)
            .AddTool(tools.Delayed("fine", TimeSpan.FromMilliseconds(50), "ok"), ToolEffects.ReadOnly)
            .Build();

        List<ToolPipelineEvent> events = Run(pipeline, Ask("go"));

        ToolCallFailed[] failures = [.. events.OfType<ToolCallFailed>().OrderBy(f => f.Call.Index)];
        Assert.Equal([ToolCallFailureKind.ToolException, ToolCallFailureKind.UnknownTool, ToolCallFailureKind.InvalidArguments], failures.Select(f => f.Kind));
        Assert.IsType<InvalidOperationException>(failures[0].Exception);
        Assert.Contains("boom", failures[0].Message, StringComparison.Ordinal);
        Assert.Contains("no_such_tool", failures[1].ResultForModel, StringComparison.Ordinal);
        Assert.Contains("fine", failures[1].ResultForModel, StringComparison.Ordinal);
        Assert.StartsWith("Error:", failures[2].ResultForModel, StringComparison.Ordinal);
        Assert.Single(events.OfType<ToolCallCompleted>());

        // Only the valid call to a known tool ran: the invalid-arguments call never reached the tool.
        Assert.Equal(["explode", "fine"], tools.Invocations.Select(i => i.Name).Order());

        // The model saw every outcome, in call order, in the next turn.
        Assert.NotNull(secondTurnInput);
        FunctionResultContent[] results = [.. secondTurnInput!.Last().Contents.OfType<FunctionResultContent>()];
        Assert.Equal(4, results.Length);
        Assert.StartsWith("Error:", Assert.IsType<string>(results[0].Result), StringComparison.Ordinal);
        Assert.Contains("no_such_tool", Assert.IsType<string>(results[1].Result), StringComparison.Ordinal);
        Assert.StartsWith("Error:", Assert.IsType<string>(results[2].Result), StringComparison.Ordinal);
        Assert.Equal("ok", JsonSerializer.SerializeToElement(results[3].Result).GetString());

        RunCompleted run = Assert.IsType<RunCompleted>(events[^1]);
        Assert.Equal(RunCompletionReason.FinalAnswer, run.Reason);
        Assert.Equal("Recovered.", run.FinalText);
    }

    [Fact]
    public void RunAsync_ModelKeepsCallingTools_StopsAtTheTurnLimit()
    {
        var model = new ScriptedChatClient(
            messages => new ScriptedResponse().Call("fast", $$"""{"attempt": {{ScriptedChatClient.TurnOf(messages)}}}"""),
            new ScriptedModelOptions { TimeProvider = _clock, TimeToFirstToken = s_ttft });
        var tools = new TestTools(_clock);
        ToolPipeline pipeline = Builder(model).AddTool(tools.Delayed("fast", TimeSpan.FromMilliseconds(10), "again"), ToolEffects.ReadOnly).WithMaxTurns(3).Build();

        List<ToolPipelineEvent> events = Run(pipeline, Ask("loop"));

        RunCompleted run = Assert.IsType<RunCompleted>(events[^1]);
        Assert.Equal(RunCompletionReason.TurnLimitReached, run.Reason);
        Assert.Equal(3, run.Turns);
        Assert.Equal(3, events.OfType<TurnStarted>().Count());
        Assert.Equal(3, tools.Invocations.Count);
    }

    [Fact]
    public void RunAsync_BlocksInsertedAfterStages_SeeAndChangeTheEvents()
    {
        ScriptedChatClient model = Model(
            ScriptedToolCallShape.OpenAIDeltas,
            new ScriptedResponse().Call("lookup", """{"user": "alice", "ssn": "123-45-6789"}"""),
            new ScriptedResponse().Text("ok"));
        var tools = new TestTools(_clock);
        var seenAfterExecute = new List<string>();
        ToolPipeline pipeline = Builder(model)
            .AddTool(tools.Computing("lookup", TimeSpan.FromMilliseconds(20), a => $"found {a["user"]}"), ToolEffects.ReadOnly)
            .InsertAfter(ToolPipelineStage.Parse, () => new TransformBlock<ToolPipelineEvent, ToolPipelineEvent>(e =>
                e is ToolCallClosed closed
                    ? closed with { Call = closed.Call with { Arguments = closed.Call.Arguments!.Where(a => a.Key != "ssn").ToDictionary() } }
                    : e))
            .InsertAfter(ToolPipelineStage.Execute, () => new TransformBlock<ToolPipelineEvent, ToolPipelineEvent>(e =>
            {
                seenAfterExecute.Add(e.GetType().Name);
                return e is ToolCallCompleted completed ? completed with { Result = $"{completed.Result} (checked)" } : e;
            }))
            .Build();

        List<ToolPipelineEvent> events = Run(pipeline, Ask("who"));

        IReadOnlyDictionary<string, object?> arguments = Assert.Single(tools.Invocations).Arguments;
        Assert.Equal(["user"], arguments.Keys);
        Assert.Contains(nameof(ToolCallStarted), seenAfterExecute);
        RunCompleted run = Assert.IsType<RunCompleted>(events[^1]);
        FunctionResultContent result = Assert.Single(run.Messages[2].Contents.OfType<FunctionResultContent>());
        Assert.Equal("found alice (checked)", result.Result);
    }

    [Fact]
    public void Observe_SameRun_GivesTheSameEventsAsRunAsync()
    {
        ToolPipeline Build() => Builder(Model(ScriptedToolCallShape.OpenAIDeltas, ThreeCalls(), new ScriptedResponse().Text("done")))
            .AddTools(["slow", "fast", "medium"], new TestTools(_clock))
            .Build();

        List<ToolPipelineEvent> enumerated = Run(Build(), Ask("go"));
        var observed = new List<ToolPipelineEvent>();
        Exception? error = null;
        bool completed = false;
        TimeSpan start = _clock.Elapsed;
        VirtualTime.Run(_clock, _scheduler, () =>
        {
            var done = new TaskCompletionSource();
            Build().Observe(Ask("go")).Subscribe(
                observed.Add,
                e =>
                {
                    error = e;
                    done.SetResult();
                },
                () =>
                {
                    completed = true;
                    done.SetResult();
                });
            return done.Task;
        });

        Assert.Null(error);
        Assert.True(completed);
        Assert.Equal(enumerated.Select(Describe), observed.Select(e => Describe(e with { Timestamp = e.Timestamp - start })));
        string Describe(ToolPipelineEvent e) => $"{e.Sequence} {e.GetType().Name} {(e.Timestamp - _clock.Epoch).TotalMilliseconds}";
    }

    [Fact]
    public void RunAsync_ReaderFallsBehind_ExecutionKeepsItsTimelineAndDeltasAreCoalesced()
    {
        ScriptedChatClient? lastModel = null;
        ToolPipeline Build() => Builder(lastModel = Model(ScriptedToolCallShape.OpenAIDeltas, ThreeCalls(), new ScriptedResponse().Text("All three are back, and this answer streams in many small pieces.")))
            .AddTools(["slow", "fast", "medium"], new TestTools(_clock))
            .Configure(o => o.CoalesceDeltasAfter = 4)
            .Build();

        List<ToolPipelineEvent> fast = Run(Build(), Ask("go"));
        TimeSpan offset = _clock.Elapsed;
        var slow = new List<ToolPipelineEvent>();
        VirtualTime.Run(_clock, _scheduler, async () =>
        {
            bool stalled = false;
            await foreach (ToolPipelineEvent e in Build().RunAsync(Ask("go")))
            {
                slow.Add(e);
                if (!stalled)
                {
                    // The reader stops reading for a minute of virtual time, long past the end of the run.
                    stalled = true;
                    await Task.Delay(TimeSpan.FromMinutes(1), _clock);
                }
            }
        });

        static bool IsDelta(ToolPipelineEvent e) => e is TextDelta or ToolArgumentsDelta;
        string Lifecycle(ToolPipelineEvent e, TimeSpan shift) => $"{e.Sequence} {e.GetType().Name} {(e.Timestamp - _clock.Epoch - shift).TotalMilliseconds}";

        // Every lifecycle event is there, with the same sequence number and the same virtual instant: the reader
        // never held up the mesh.
        Assert.Equal(fast.Where(e => !IsDelta(e)).Select(e => Lifecycle(e, TimeSpan.Zero)), slow.Where(e => !IsDelta(e)).Select(e => Lifecycle(e, offset)));

        // Deltas that waited were merged, and lose nothing.
        int emitted = lastModel!.Streams.Sum(stream => stream.Tokens.Count(t => t.Content is TextContent or ToolCallUpdateContent { ArgumentsDelta.Length: > 0 }));
        Assert.True(slow.Count(IsDelta) < emitted / 4, $"{slow.Count(IsDelta)} deltas reached the slow reader of {emitted} streamed");
        Assert.Equal(string.Concat(fast.OfType<TextDelta>().Select(t => t.Text)), string.Concat(slow.OfType<TextDelta>().Select(t => t.Text)));
        Assert.Equal(
            fast.OfType<ToolArgumentsDelta>().GroupBy(a => a.CallId).Select(g => string.Concat(g.Select(a => a.Fragment))),
            slow.OfType<ToolArgumentsDelta>().GroupBy(a => a.CallId).Select(g => string.Concat(g.Select(a => a.Fragment))));
        Assert.True(slow.Zip(slow.Skip(1)).All(p => p.First.Sequence < p.Second.Sequence));
    }

    [Fact]
    public void RunAsync_ToolReportsProgress_ProgressEventsAtTheBoundedRateBetweenItsStartAndCompletion()
    {
        AIFunction copy = new TestTools(_clock).Stepping("copy", TimeSpan.FromMilliseconds(40), 5, "copied");
        ScriptedChatClient model = Model(ScriptedToolCallShape.OpenAIDeltas, new ScriptedResponse().Call("copy", "{}"), new ScriptedResponse().Text("Copied."));
        ToolPipeline pipeline = Builder(model)
            .AddTool(copy, ToolEffects.ReadOnly)
            .Configure(o => o.Execution.MinProgressInterval = TimeSpan.FromMilliseconds(100))
            .Build();

        List<ToolPipelineEvent> events = Run(pipeline, Ask("copy them"));

        // Reports at 40, 80, 120, 160 and 200 ms: the first goes out at once, the latest of 80 and 120 when the
        // interval has passed (140), and the latest of 160 and 200 is superseded by the completion at 200.
        double started = Ms(events.OfType<ToolCallStarted>().Single());
        Assert.Equal(
            [(0d, "started"), (40d, "1/5 step 1 of 5"), (140d, "3/5 step 3 of 5"), (200d, "completed")],
            events.Where(e => e is ToolCallStarted or ToolCallProgressed or ToolCallCompleted).Select(e => (Ms(e) - started, e switch
            {
                ToolCallProgressed p => $"{p.Progress}/{p.Total} {p.Message}",
                ToolCallStarted => "started",
                _ => "completed",
            })));
        Assert.All(events.OfType<ToolCallProgressed>(), p => Assert.True(p.Sequence > 0 && p.Turn == 1));
        Assert.Equal("Copied.", Assert.IsType<RunCompleted>(events[^1]).FinalText);
    }

    [Fact]
    public void RunAsync_ReaderFallsBehind_ACallsWaitingProgressEventsKeepOnlyTheLatest()
    {
        ToolPipeline Build() => Builder(Model(ScriptedToolCallShape.OpenAIDeltas, new ScriptedResponse().Call("copy", "{}"), new ScriptedResponse().Text("Copied.")))
            .AddTool(new TestTools(_clock).Stepping("copy", TimeSpan.FromMilliseconds(40), 5, "copied"), ToolEffects.ReadOnly)
            .Configure(o =>
            {
                o.Execution.MinProgressInterval = TimeSpan.Zero;
                o.CoalesceDeltasAfter = 1;
            })
            .Build();
        var slow = new List<ToolPipelineEvent>();
        VirtualTime.Run(_clock, _scheduler, async () =>
        {
            bool stalled = false;
            await foreach (ToolPipelineEvent e in Build().RunAsync(Ask("go")))
            {
                slow.Add(e);
                if (e is ToolCallStarted && !stalled)
                {
                    // The reader stops while the tool reports: its five reports wait together, and only the last is kept.
                    stalled = true;
                    await Task.Delay(TimeSpan.FromSeconds(1), _clock);
                }
            }
        });

        ToolCallProgressed progress = Assert.Single(slow.OfType<ToolCallProgressed>());
        Assert.Equal((5d, "step 5 of 5"), (progress.Progress!.Value, progress.Message));
        Assert.True(slow.Zip(slow.Skip(1)).All(p => p.First.Sequence < p.Second.Sequence));
        Assert.True(slow.IndexOf(progress) < slow.FindIndex(e => e is ToolCallCompleted));
    }

    [Fact]
    public void RunAsync_CancelledMidTurn_ThrowsAndLeavesNothingRunning()
    {
        ScriptedChatClient model = Model(ScriptedToolCallShape.OpenAIDeltas, ThreeCalls(), new ScriptedResponse().Text("never"));
        var tools = new TestTools(_clock);
        ToolPipeline pipeline = Builder(model).AddTools(["slow", "fast", "medium"], tools).Build();
        var events = new List<ToolPipelineEvent>();
        using var cancellation = new CancellationTokenSource();

        VirtualTime.Run(_clock, _scheduler, async () =>
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            {
                await foreach (ToolPipelineEvent e in pipeline.RunAsync(Ask("go"), cancellation.Token))
                {
                    events.Add(e);
                    if (e is ToolCallStarted { Call.Name: "slow" })
                    {
                        await cancellation.CancelAsync();
                    }
                }
            });
        });

        Assert.DoesNotContain(events, e => e is RunCompleted);
        Assert.Equal(0, _clock.PendingTimers);
    }
}
