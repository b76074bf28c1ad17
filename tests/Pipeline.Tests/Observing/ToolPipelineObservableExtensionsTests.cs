using System.Reactive.Concurrency;
using System.Reactive.Linq;
using System.Reactive.Subjects;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;
using ToolFlow.Providers.Scripted;
using ToolFlow.Testing;

namespace ToolFlow.Pipeline.Tests;

public sealed class ToolPipelineObservableExtensionsTests
{
    private readonly ManualTimeProvider _clock = new();
    private readonly ManualTaskScheduler _scheduler = new();

    private static ToolCall Call(int index, string name) => new($"call_1_{index}", name, index, 1, new Dictionary<string, object?>(), "{}");

    private static string Describe(ToolPipelineEvent e) => e switch
    {
        TextDelta t => $"#{e.Sequence} text t{e.Turn} '{t.Text}'",
        ToolArgumentsDelta a => $"#{e.Sequence} args '{a.Fragment}'",
        _ => $"#{e.Sequence} {e.GetType().Name}",
    };

    [Fact]
    public void ByCall_InterleavedCalls_EachCallIsAStreamThatEndsWithItsOutcome()
    {
        ToolCall a = Call(0, "a"), b = Call(1, "b"), c = Call(2, "c");
        var input = new Subject<ToolPipelineEvent>();
        var timeline = new List<string>();
        using IDisposable subscription = input.ByCall().Subscribe(
            call =>
            {
                timeline.Add($"call {call.Key}");
                call.Subscribe(e => timeline.Add($"{call.Key}: {Describe(e)}"), () => timeline.Add($"{call.Key}: end"));
            },
            () => timeline.Add("end"));

        ToolPipelineEvent[] events =
        [
            new ToolCallDetected(a.CallId, "a", 0),
            new TextDelta("between"),
            new ToolCallDetected(b.CallId, "b", 1),
            new ToolArgumentsDelta(a.CallId, 0, "{}"),
            new ToolCallClosed(a),
            new ToolCallStarted(a),
            new ToolCallProgressed(a, 1, 2, "half"),
            new ToolCallClosed(b),
            new ToolCallStarted(b),
            new ToolCallCompleted(a, "A", TimeSpan.Zero),
            new FutureResolved(a, new FunctionResultContent(a.CallId, "A")),
            new ToolCallFailed(b, ToolCallFailureKind.ToolException, "broke", "Error: broke.", null, TimeSpan.Zero),
            new ToolCallDetected(c.CallId, "c", 2),
        ];
        for (int i = 0; i < events.Length; i++)
        {
            input.OnNext(events[i] with { Sequence = i + 1 });
        }

        input.OnCompleted();

        Assert.Equal(
            [
                "call call_1_0", "call_1_0: #1 ToolCallDetected",
                "call call_1_1", "call_1_1: #3 ToolCallDetected",
                "call_1_0: #4 args '{}'", "call_1_0: #5 ToolCallClosed", "call_1_0: #6 ToolCallStarted", "call_1_0: #7 ToolCallProgressed",
                "call_1_1: #8 ToolCallClosed", "call_1_1: #9 ToolCallStarted",
                "call_1_0: #10 ToolCallCompleted", "call_1_0: end",
                "call_1_1: #12 ToolCallFailed", "call_1_1: end",
                "call call_1_2", "call_1_2: #13 ToolCallDetected",
                "call_1_2: end", "end",
            ],
            timeline);
    }

    [Fact]
    public void CoalesceText_TextRunsOnAScheduler_HeldAtMostTheWindowAndFlushedBeforeOtherEvents()
    {
        var scheduler = new HistoricalScheduler(DateTimeOffset.UnixEpoch);
        var input = new Subject<ToolPipelineEvent>();
        var timeline = new List<string>();
        double Ms() => (scheduler.Now - DateTimeOffset.UnixEpoch).TotalMilliseconds;
        using IDisposable subscription = input.CoalesceText(TimeSpan.FromMilliseconds(50), scheduler)
            .Subscribe(e => timeline.Add($"{Ms()} {Describe(e)}"), () => timeline.Add($"{Ms()} end"));
        long sequence = 0;
        void At(double ms, ToolPipelineEvent e) =>
            scheduler.Schedule(DateTimeOffset.UnixEpoch.AddMilliseconds(ms), () => input.OnNext(e with { Sequence = ++sequence }));

        At(0, new TextDelta("Hel") { Turn = 1 });
        At(10, new TextDelta("lo") { Turn = 1 });
        At(30, new TextDelta(" wor") { Turn = 1 });
        At(60, new TextDelta("ld") { Turn = 1 });
        At(70, new ToolCallDetected("call_1_0", "a", 0) { Turn = 1 });
        At(80, new TextDelta("!") { Turn = 1 });
        At(90, new TextDelta("Next") { Turn = 2 });
        At(95, new TextDelta(" turn") { Turn = 2 });
        scheduler.Schedule(DateTimeOffset.UnixEpoch.AddMilliseconds(100), input.OnCompleted);
        scheduler.Start();

        Assert.Equal(
            [
                "50 #3 text t1 'Hello wor'",
                "70 #4 text t1 'ld'",
                "70 #5 ToolCallDetected",
                "90 #6 text t1 '!'",
                "100 #8 text t2 'Next turn'",
                "100 end",
            ],
            timeline);
    }

    [Fact]
    public void CoalesceText_Disposed_HeldTextIsDroppedAndItsTimerCancelled()
    {
        var scheduler = new HistoricalScheduler(DateTimeOffset.UnixEpoch);
        var input = new Subject<ToolPipelineEvent>();
        var seen = new List<ToolPipelineEvent>();
        IDisposable subscription = input.CoalesceText(TimeSpan.FromMilliseconds(50), scheduler).Subscribe(seen.Add);

        input.OnNext(new TextDelta("held") { Turn = 1 });
        subscription.Dispose();
        scheduler.Start();

        Assert.Empty(seen);
        Assert.False(input.HasObservers);
    }

    [Fact]
    public void ObserveByCall_ThreeCallsOfARun_EachCallIsAStreamInCompletionOrderEndingWithItsOutcome()
    {
        var model = new ScriptedChatClient(
            [
                new ScriptedResponse().Text("Three at once.").Call("slow", """{"q": 1}""").Call("fast", """{"q": 2}""").Call("medium", """{"q": 3}""").Text(" Waiting."),
                new ScriptedResponse().Text("Done."),
            ],
            new ScriptedModelOptions { TimeProvider = _clock, TimeToFirstToken = TimeSpan.FromMilliseconds(100), TokensPerSecond = 50, CallShape = ScriptedToolCallShape.OpenAIDeltas });
        ToolPipeline pipeline = ToolPipeline.CreateBuilder(model).WithTimeProvider(_clock).Configure(o => o.TaskScheduler = _scheduler)
            .AddTools(["slow", "fast", "medium"], new TestTools(_clock))
            .Build();
        var timeline = new List<string>();
        var started = new Dictionary<string, DateTimeOffset>();

        VirtualTime.Run(_clock, _scheduler, () =>
        {
            var done = new TaskCompletionSource();
            pipeline.Observe([new ChatMessage(ChatRole.User, "go")]).ByCall().Subscribe(
                call => call.Subscribe(
                    e =>
                    {
                        if (e is ToolCallStarted s)
                        {
                            started[s.Call.Name] = s.Timestamp;
                        }
                        else if (e is ToolCallCompleted c)
                        {
                            timeline.Add($"{c.Call.Name} completed {(c.Timestamp - started[c.Call.Name]).TotalMilliseconds} ms after it started");
                        }
                        else if (e is not (ToolCallDetected or ToolArgumentsDelta or ToolCallClosed))
                        {
                            timeline.Add($"{call.Key}: unexpected {e.GetType().Name}");
                        }
                    },
                    () => timeline.Add($"{call.Key} ended")),
                () => done.SetResult());
            return done.Task;
        });

        // In completion order; each call's stream ends right after its outcome.
        Assert.Equal(
            [
                "fast completed 100 ms after it started", "call_t1_1 ended",
                "medium completed 400 ms after it started", "call_t1_2 ended",
                "slow completed 900 ms after it started", "call_t1_0 ended",
            ],
            timeline);
    }

    [Fact]
    public void Observe_SubscriptionDisposedMidDecode_CancelsTheModelAndTheTools()
    {
        var model = new ScriptedChatClient(
            [new ScriptedResponse().Text("Slow one, soon.").Call("slow", """{"q": 1}""").Text(" And the text goes on for a while longer."), new ScriptedResponse().Text("never")],
            new ScriptedModelOptions { TimeProvider = _clock, TimeToFirstToken = TimeSpan.FromMilliseconds(100), TokensPerSecond = 50, CallShape = ScriptedToolCallShape.OpenAIDeltas });
        var tools = new TestTools(_clock);
        ToolPipeline pipeline = ToolPipeline.CreateBuilder(model).WithTimeProvider(_clock).Configure(o => o.TaskScheduler = _scheduler)
            .AddTools(["slow"], tools)
            .Build();
        int timersBefore = -1, timersAfter = -1;

        VirtualTime.Run(_clock, _scheduler, async () =>
        {
            IDisposable subscription = pipeline.Observe([new ChatMessage(ChatRole.User, "go")]).Subscribe(_ => { });

            // 150 ms in, the model is streaming its text; the call would close about 150 ms later.
            await Task.Delay(TimeSpan.FromMilliseconds(150), _clock);
            timersBefore = _clock.PendingTimers;
            subscription.Dispose();
            await Task.Delay(TimeSpan.FromMilliseconds(1), _clock);
            timersAfter = _clock.PendingTimers;

            // Long after the call would have closed and run.
            await Task.Delay(TimeSpan.FromSeconds(5), _clock);
        });

        Assert.True(timersBefore >= 1, $"{timersBefore} timers were set when the subscription was disposed");
        Assert.Equal(0, timersAfter);
        Assert.Empty(tools.Invocations);
    }
}
