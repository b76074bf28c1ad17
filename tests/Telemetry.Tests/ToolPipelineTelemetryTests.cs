using System.Diagnostics;
using Microsoft.Extensions.AI;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using ToolFlow.Blocks;
using ToolFlow.Pipeline;
using ToolFlow.Providers.Scripted;
using ToolFlow.Testing;

namespace ToolFlow.Telemetry.Tests;

public sealed class ToolPipelineTelemetryTests
{
    private const string ModelSource = "ToolFlow.Tests.Model";
    private const string OuterSource = "ToolFlow.Tests.Outer";
    private readonly ManualTimeProvider _clock = new();
    private readonly ManualTaskScheduler _scheduler = new();
    private readonly TestTools _tools;

    public ToolPipelineTelemetryTests()
    {
        _tools = new TestTools(_clock);
    }

    private static IReadOnlyList<ChatMessage> Ask(string text) => [new(ChatRole.User, text)];

    /// <summary>
    /// Turn 1: five calls mid-decode. <c>slow</c> (read-only) outlasts the decode; <c>broken</c> (read-only) throws;
    /// <c>write</c> (side-effecting) waits for the clean end of the response; <c>stuck</c> times out; <c>missing</c>
    /// names no tool. Turn 2 answers.
    /// </summary>
    private ScriptedChatClient Model() => new(
        [
            new ScriptedResponse()
                .Text("Working on it.")
                .Call("slow", """{"q": 1}""")
                .Text(" Then")
                .Call("broken", """{"q": 2}""")
                .Call("write", """{"q": 3}""")
                .Call("stuck", """{"q": 4}""")
                .Call("missing", "{}")
                .Text(" and the text goes on until the response ends here."),
            new ScriptedResponse().Text("Done."),
        ],
        new ScriptedModelOptions { TimeProvider = _clock, TimeToFirstToken = TimeSpan.FromMilliseconds(100), TokensPerSecond = 50, CallShape = ScriptedToolCallShape.OpenAIDeltas });

    private void AddTools(ToolPipelineBuilder builder) => builder
        .WithTimeProvider(_clock)
        .Configure(o => o.TaskScheduler = _scheduler)
        .AddTool(_tools.Delayed("slow", TimeSpan.FromSeconds(5), "slow-result"), ToolEffects.ReadOnly)
        .AddTool(_tools.Throwing("broken", TimeSpan.FromMilliseconds(200), new InvalidOperationException("broken tool")), ToolEffects.ReadOnly)
        .AddTool(_tools.Delayed("write", TimeSpan.FromMilliseconds(100), "written"), ToolEffects.SideEffecting)
        .AddTool(new ToolDescriptor(_tools.Delayed("stuck", TimeSpan.FromSeconds(60), "never"), ToolEffects.ReadOnly) { Timeout = TimeSpan.FromMilliseconds(300) });

    private List<ToolPipelineEvent> Run(ToolPipeline pipeline)
    {
        var events = new List<ToolPipelineEvent>();
        VirtualTime.Run(_clock, _scheduler, async () =>
        {
            await foreach (ToolPipelineEvent e in pipeline.RunAsync(Ask("go")))
            {
                events.Add(e);
            }
        });
        return events;
    }

    private static T Single<T>(List<ToolPipelineEvent> events, string tool)
        where T : ToolPipelineEvent =>
        events.OfType<T>().Single(e => e switch
        {
            ToolCallClosed c => c.Call.Name == tool,
            ToolCallStarted s => s.Call.Name == tool,
            ToolCallCompleted c => c.Call.Name == tool,
            ToolCallFailed f => f.Call.Name == tool,
            _ => false,
        });

    private static DateTimeOffset OutcomeAt(List<ToolPipelineEvent> events, string tool) =>
        events.OfType<ToolCallCompleted>().Where(c => c.Call.Name == tool).Select(c => c.Timestamp)
            .Concat(events.OfType<ToolCallFailed>().Where(f => f.Call.Name == tool).Select(f => f.Timestamp))
            .Single();

    private static object? Tag(Activity activity, string key) => activity.TagObjects.FirstOrDefault(t => t.Key == key).Value;

    [Fact]
    public void RunAsync_ManualClock_SpanTreeTimesLinksAndMetricsAreExact()
    {
        var spans = new List<Activity>();
        var exported = new List<MetricSnapshot>();
        List<MetricSnapshot> metrics;
        List<ToolPipelineEvent> events;
        using (TracerProvider tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource(ToolPipelineTelemetry.ActivitySourceName, ModelSource)
            .AddInMemoryExporter(spans)
            .Build())
        using (MeterProvider meters = Sdk.CreateMeterProviderBuilder()
            .AddMeter(ToolPipelineTelemetry.MeterName)
            .AddInMemoryExporter(exported)
            .Build())
        {
            // The model wrapped as an application would: its requests are "chat" spans of Microsoft.Extensions.AI.
            IChatClient model = new ChatClientBuilder(Model()).UseOpenTelemetry(sourceName: ModelSource).Build();
            ToolPipelineBuilder builder = ToolPipeline.CreateBuilder(model);
            AddTools(builder);
            events = Run(builder.Build());
            // One collection after the run (disposing the provider exports again).
            meters.ForceFlush();
            metrics = [.. exported];
        }

        Assert.Equal(RunCompletionReason.FinalAnswer, Assert.IsType<RunCompleted>(events[^1]).Reason);

        // run → turn → (chat, execute_tool), one trace.
        Activity run = Assert.Single(spans, s => s.DisplayName == "invoke_agent");
        Assert.Equal(default, run.ParentSpanId);
        Assert.Equal("invoke_agent", Tag(run, "gen_ai.operation.name"));
        Assert.Equal("await", Tag(run, ToolPipelineTelemetry.ModeAttribute));
        Assert.NotEmpty(Assert.IsType<string>(Tag(run, ToolPipelineTelemetry.RunIdAttribute)));
        Assert.Equal(Tag(run, ToolPipelineTelemetry.RunIdAttribute), Tag(run, "gen_ai.conversation.id"));
        Assert.Equal("final_answer", Tag(run, ToolPipelineTelemetry.CompletionReasonAttribute));
        Assert.All(spans, s => Assert.Equal(run.TraceId, s.TraceId));
        Assert.Equal(events[0].Timestamp.UtcDateTime, run.StartTimeUtc);
        Assert.Equal(events[^1].Timestamp.UtcDateTime, run.StartTimeUtc + run.Duration);

        Activity[] turns = [.. spans.Where(s => s.DisplayName == ToolPipelineTelemetry.TurnSpanName).OrderBy(s => (int)Tag(s, ToolPipelineTelemetry.TurnAttribute)!)];
        Assert.Equal(2, turns.Length);
        Activity[] chats = [.. spans.Where(s => s.Source.Name == ModelSource)];
        Assert.Equal(2, chats.Length);
        for (int t = 0; t < 2; t++)
        {
            Assert.Equal(run.SpanId, turns[t].ParentSpanId);
            TurnStarted started = events.OfType<TurnStarted>().Single(e => e.Turn == t + 1);
            TurnCompleted completed = events.OfType<TurnCompleted>().Single(e => e.Turn == t + 1);
            Assert.Equal(started.Timestamp.UtcDateTime, turns[t].StartTimeUtc);
            Assert.Equal(completed.Timestamp.UtcDateTime, turns[t].StartTimeUtc + turns[t].Duration);

            // Each model request ran under its turn.
            Assert.Single(chats, c => c.ParentSpanId == turns[t].SpanId);
        }

        Activity request1 = chats.Single(c => c.ParentSpanId == turns[0].SpanId);
        Assert.StartsWith("chat", request1.DisplayName, StringComparison.Ordinal);

        // One execute_tool span per call, under turn 1, linked to turn 1's request, timed by the events.
        Activity[] tools = [.. spans.Where(s => s.DisplayName.StartsWith("execute_tool ", StringComparison.Ordinal))];
        Assert.Equal(["broken", "missing", "slow", "stuck", "write"], tools.Select(s => (string)Tag(s, "gen_ai.tool.name")!).Order());
        foreach (Activity span in tools)
        {
            string name = (string)Tag(span, "gen_ai.tool.name")!;
            ToolCallClosed closed = Single<ToolCallClosed>(events, name);
            Assert.Equal($"execute_tool {name}", span.DisplayName);
            Assert.Equal("execute_tool", Tag(span, "gen_ai.operation.name"));
            Assert.Equal("function", Tag(span, "gen_ai.tool.type"));
            Assert.Equal(closed.Call.CallId, Tag(span, "gen_ai.tool.call.id"));
            Assert.Equal(turns[0].SpanId, span.ParentSpanId);
            ActivityLink link = Assert.Single(span.Links);
            Assert.Equal(request1.SpanId, link.Context.SpanId);
            Assert.Equal(request1.TraceId, link.Context.TraceId);
        }

        Activity Tool(string name) => tools.Single(s => (string)Tag(s, "gen_ai.tool.name")! == name);

        // Each tool that ran: from its start to its outcome, and its wait after closing exactly as the clock made it.
        var expectedWaitMs = new Dictionary<string, double>();
        foreach (string name in new[] { "slow", "broken", "write", "stuck" })
        {
            ToolCallStarted started = Single<ToolCallStarted>(events, name);
            double waitMs = (started.Timestamp - Single<ToolCallClosed>(events, name).Timestamp).TotalMilliseconds;
            expectedWaitMs[name] = waitMs;
            Assert.Equal(started.Timestamp.UtcDateTime, Tool(name).StartTimeUtc);
            Assert.Equal(OutcomeAt(events, name).UtcDateTime, Tool(name).StartTimeUtc + Tool(name).Duration);
            Assert.Equal(waitMs, Tag(Tool(name), ToolPipelineTelemetry.ToolWaitAttribute));
        }

        // Read-only tools start the instant they close; the side-effecting one waits for the response's clean end.
        ResponseCompleted streamEnded1 = events.OfType<ResponseCompleted>().Single(e => e.Turn == 1);
        Assert.Equal(0, expectedWaitMs["slow"]);
        Assert.Equal(0, expectedWaitMs["broken"]);
        Assert.Equal((streamEnded1.Timestamp - Single<ToolCallClosed>(events, "write").Timestamp).TotalMilliseconds, expectedWaitMs["write"]);
        Assert.True(expectedWaitMs["write"] > 0);
        Assert.Equal(5000, Tool("slow").Duration.TotalMilliseconds);

        // Outcomes: error.type is the exception's type for a tool's own failure, the failure kind otherwise.
        Assert.Equal("completed", Tag(Tool("slow"), ToolPipelineTelemetry.ToolOutcomeAttribute));
        Assert.Equal(ActivityStatusCode.Unset, Tool("slow").Status);
        Assert.Null(Tag(Tool("slow"), "error.type"));
        Assert.Equal("System.InvalidOperationException", Tag(Tool("broken"), "error.type"));
        Assert.Equal("tool_exception", Tag(Tool("broken"), ToolPipelineTelemetry.ToolOutcomeAttribute));
        Assert.Equal(ActivityStatusCode.Error, Tool("broken").Status);
        Assert.Equal("timeout", Tag(Tool("stuck"), "error.type"));
        Assert.Equal(300, Tool("stuck").Duration.TotalMilliseconds);

        // A call that never ran is in the trace too, as an instant at its failure (one tick: a span needs a length).
        Assert.Equal("unknown_tool", Tag(Tool("missing"), "error.type"));
        Assert.Equal(OutcomeAt(events, "missing").UtcDateTime, Tool("missing").StartTimeUtc);
        Assert.Equal(TimeSpan.FromTicks(1), Tool("missing").Duration);
        Assert.Null(Tag(Tool("missing"), ToolPipelineTelemetry.ToolWaitAttribute));

        // Turn 1's decode overlapped by tools: from slow's start (the first) to the end of the stream; turn 2: none.
        double overlap1 = (streamEnded1.Timestamp - Single<ToolCallStarted>(events, "slow").Timestamp).TotalSeconds;
        Assert.Equal(overlap1 * 1000, Tag(turns[0], ToolPipelineTelemetry.DecodeOverlapAttribute));
        Assert.Equal(0.0, Tag(turns[1], ToolPipelineTelemetry.DecodeOverlapAttribute));

        // Metrics: the same figures.
        Dictionary<string, (long Count, double Sum)> durations = HistogramByTool(metrics, ToolPipelineTelemetry.ToolDurationMetric);
        Assert.Equal(["broken", "slow", "stuck", "write"], durations.Keys.Order());
        foreach (string name in durations.Keys)
        {
            Assert.Equal(1, durations[name].Count);
            Assert.Equal(Tool(name).Duration.TotalSeconds, durations[name].Sum, 9);
        }

        Dictionary<string, (long Count, double Sum)> waits = HistogramByTool(metrics, ToolPipelineTelemetry.ToolWaitMetric);
        Assert.Equal(expectedWaitMs["write"] / 1000, waits["write"].Sum, 9);
        Assert.Equal(0, waits["slow"].Sum);

        MetricPoint[] active = Points(metrics, ToolPipelineTelemetry.ActiveCallsMetric);
        Assert.Equal(["broken", "slow", "stuck", "write"], active.Select(p => ToolOf(p)).Order());
        Assert.All(active, p => Assert.Equal(0, p.GetSumLong()));

        MetricPoint overlap = Assert.Single(Points(metrics, ToolPipelineTelemetry.DecodeOverlapMetric));
        Assert.Equal(2, overlap.GetHistogramCount());
        Assert.Equal(overlap1, overlap.GetHistogramSum(), 9);

        // Failures carry error.type on the duration metric too.
        MetricPoint brokenPoint = Points(metrics, ToolPipelineTelemetry.ToolDurationMetric).Single(p => ToolOf(p) == "broken");
        Assert.Equal("System.InvalidOperationException", TagOf(brokenPoint, "error.type"));
    }

    [Fact]
    public void GetStreamingResponseAsync_OpenTelemetryOutsideAndInsideThePipeline_OneTrace()
    {
        var spans = new List<Activity>();
        using (TracerProvider tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource(ToolPipelineTelemetry.ActivitySourceName, ModelSource, OuterSource)
            .AddInMemoryExporter(spans)
            .Build())
        {
            // The README's order: the whole exchange traced outside, each model request inside.
            IChatClient client = new ChatClientBuilder(Model())
                .UseOpenTelemetry(sourceName: OuterSource)
                .UseToolPipeline(AddTools)
                .UseOpenTelemetry(sourceName: ModelSource)
                .Build();
            VirtualTime.Run(_clock, _scheduler, async () =>
            {
                await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync(Ask("go")))
                {
                    _ = update;
                }
            });
        }

        Activity outer = Assert.Single(spans, s => s.Source.Name == OuterSource);
        Assert.Equal(default, outer.ParentSpanId);
        Activity run = Assert.Single(spans, s => s.DisplayName == "invoke_agent");
        Assert.Equal(outer.SpanId, run.ParentSpanId);
        Activity[] turns = [.. spans.Where(s => s.DisplayName == ToolPipelineTelemetry.TurnSpanName)];
        Assert.Equal(2, turns.Length);
        Assert.All(turns, t => Assert.Equal(run.SpanId, t.ParentSpanId));
        Activity[] requests = [.. spans.Where(s => s.Source.Name == ModelSource)];
        Assert.Equal(2, requests.Length);
        Assert.Equal(turns.Select(t => t.SpanId.ToHexString()).Order(), requests.Select(r => r.ParentSpanId.ToHexString()).Order());
        Activity turn1 = turns.Single(t => (int)Tag(t, ToolPipelineTelemetry.TurnAttribute)! == 1);
        Activity request1 = requests.Single(r => r.ParentSpanId == turn1.SpanId);
        Activity[] tools = [.. spans.Where(s => s.DisplayName.StartsWith("execute_tool ", StringComparison.Ordinal))];
        Assert.Equal(5, tools.Length);
        Assert.All(tools, t =>
        {
            Assert.Equal(turn1.SpanId, t.ParentSpanId);
            Assert.Equal(request1.SpanId, Assert.Single(t.Links).Context.SpanId);
        });
        Assert.All(spans, s => Assert.Equal(outer.TraceId, s.TraceId));
    }

    [Fact]
    public void Cancel_ToolRunning_RunAndToolSpansEndCancelledAndNoCallStaysActive()
    {
        var spans = new List<Activity>();
        var exported = new List<MetricSnapshot>();
        List<MetricSnapshot> metrics;
        using (TracerProvider tracing = Sdk.CreateTracerProviderBuilder().AddSource(ToolPipelineTelemetry.ActivitySourceName).AddInMemoryExporter(spans).Build())
        using (MeterProvider meters = Sdk.CreateMeterProviderBuilder().AddMeter(ToolPipelineTelemetry.MeterName).AddInMemoryExporter(exported).Build())
        {
            ToolPipelineBuilder builder = ToolPipeline.CreateBuilder(Model());
            AddTools(builder);
            ToolPipeline pipeline = builder.Build();
            VirtualTime.Run(_clock, _scheduler, async () =>
            {
                ToolPipelineRun run = pipeline.Start(Ask("go"));
                await foreach (ToolPipelineEvent e in run.Events)
                {
                    // The whole run is cancelled while slow (5 s) runs: its outcome never reaches the run's loop.
                    if (e is ToolCallCompleted { Call.Name: "write" })
                    {
                        run.Cancel();
                        break;
                    }
                }

                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.Completion);
            });
            meters.ForceFlush();
            metrics = [.. exported];
        }

        Activity runSpan = Assert.Single(spans, s => s.DisplayName == "invoke_agent");
        Assert.Equal(ActivityStatusCode.Error, runSpan.Status);
        Assert.Equal("cancelled", Tag(runSpan, "error.type"));
        Activity slow = Assert.Single(spans, s => s.DisplayName == "execute_tool slow");
        Assert.Equal("cancelled", Tag(slow, "error.type"));
        Assert.All(spans.Where(s => s.DisplayName == ToolPipelineTelemetry.TurnSpanName), t => Assert.True(t.Duration > TimeSpan.Zero));

        // The up-down counter is back to zero for every tool, the one cut short included.
        MetricPoint[] active = Points(metrics, ToolPipelineTelemetry.ActiveCallsMetric);
        Assert.Contains(active, p => ToolOf(p) == "slow");
        Assert.All(active, p => Assert.Equal(0, p.GetSumLong()));
    }

    [Fact]
    public void RunAsync_FuturesMode_ACallOutlivingItsTurnStaysUnderItAndOverlapsTheNextTurnsDecode()
    {
        var spans = new List<Activity>();
        List<ToolPipelineEvent> events;
        using (TracerProvider tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource(ToolPipelineTelemetry.ActivitySourceName, ModelSource)
            .AddInMemoryExporter(spans)
            .Build())
        {
            // Turn 1 starts a 2 s report; turn 2 talks while it runs (its result still a future); turn 3 has the value.
            var scripted = new ScriptedChatClient(
                messages => ScriptedChatClient.TurnOf(messages) switch
                {
                    1 => new ScriptedResponse().Text("Starting the report.").Call("report", """{"topic": "q3"}""").Text(" More on that soon."),
                    2 => new ScriptedResponse().Text("While the report runs, a few words on the plan."),
                    _ => new ScriptedResponse().Text("Done."),
                },
                new ScriptedModelOptions { TimeProvider = _clock, TimeToFirstToken = TimeSpan.FromMilliseconds(100), TokensPerSecond = 50 });
            ToolPipeline pipeline = ToolPipeline.CreateBuilder(new ChatClientBuilder(scripted).UseOpenTelemetry(sourceName: ModelSource).Build())
                .WithTimeProvider(_clock)
                .Configure(o => o.TaskScheduler = _scheduler)
                .WithMode(ToolPipelineMode.Futures)
                .AddTool(_tools.Delayed("report", TimeSpan.FromSeconds(2), "REPORT"), ToolEffects.ReadOnly)
                .Build();
            events = Run(pipeline);
        }

        Activity[] turns = [.. spans.Where(s => s.DisplayName == ToolPipelineTelemetry.TurnSpanName).OrderBy(s => (int)Tag(s, ToolPipelineTelemetry.TurnAttribute)!)];
        Assert.True(turns.Length >= 3, $"{turns.Length} turns");
        Activity report = Assert.Single(spans, s => s.DisplayName == "execute_tool report");
        Activity request1 = spans.Single(s => s.Source.Name == ModelSource && s.ParentSpanId == turns[0].SpanId);
        Assert.Equal(turns[0].SpanId, report.ParentSpanId);
        Assert.Equal(request1.SpanId, Assert.Single(report.Links).Context.SpanId);

        // The report ends after turn 1 does.
        Assert.True(report.StartTimeUtc + report.Duration > turns[0].StartTimeUtc + turns[0].Duration);

        // Each turn's overlap is its decode window intersected with the report's run, turn 2's included.
        DateTimeOffset reportStart = events.OfType<ToolCallStarted>().Single().Timestamp;
        DateTimeOffset reportEnd = events.OfType<ToolCallCompleted>().Single().Timestamp;
        for (int t = 0; t < turns.Length; t++)
        {
            DateTimeOffset from = events.OfType<TurnStarted>().Single(e => e.Turn == t + 1).Timestamp;
            DateTimeOffset to = events.OfType<ResponseCompleted>().Single(e => e.Turn == t + 1).Timestamp;
            DateTimeOffset a = from > reportStart ? from : reportStart;
            DateTimeOffset b = to < reportEnd ? to : reportEnd;
            double expectedMs = b > a ? (b - a).TotalMilliseconds : 0;
            Assert.Equal(expectedMs, Tag(turns[t], ToolPipelineTelemetry.DecodeOverlapAttribute));
        }

        Assert.True((double)Tag(turns[1], ToolPipelineTelemetry.DecodeOverlapAttribute)! > 0, "the report runs during turn 2's decode");
    }

    [Fact]
    public void RunAsync_NobodyListens_NoSpansAndTheModelIsNotWrapped()
    {
        // Spans only for the model's source: ToolFlow's source has no listener, so a run makes no telemetry at all.
        var spans = new List<Activity>();
        using TracerProvider tracing = Sdk.CreateTracerProviderBuilder().AddSource(ModelSource).AddInMemoryExporter(spans).Build();
        using (var probe = new ActivitySource(ToolPipelineTelemetry.ActivitySourceName))
        {
            Assert.False(probe.HasListeners());
        }

        IChatClient model = new ChatClientBuilder(Model()).UseOpenTelemetry(sourceName: ModelSource).Build();
        ToolPipelineBuilder builder = ToolPipeline.CreateBuilder(model);
        AddTools(builder);
        List<ToolPipelineEvent> events = Run(builder.Build());

        Assert.IsType<RunCompleted>(events[^1]);
        Assert.All(spans, s => Assert.Equal(ModelSource, s.Source.Name));
        Assert.Equal(2, spans.Count);
        Assert.All(spans, s => Assert.Equal(default, s.ParentSpanId));
    }

    private static MetricPoint[] Points(List<MetricSnapshot> metrics, string name)
    {
        MetricSnapshot snapshot = Assert.Single(metrics, m => m.Name == name);
        return [.. snapshot.MetricPoints];
    }

    private static Dictionary<string, (long Count, double Sum)> HistogramByTool(List<MetricSnapshot> metrics, string name) =>
        Points(metrics, name).ToDictionary(p => ToolOf(p), p => (p.GetHistogramCount(), p.GetHistogramSum()));

    private static string ToolOf(MetricPoint point) => (string)TagOf(point, "gen_ai.tool.name")!;

    private static object? TagOf(MetricPoint point, string key)
    {
        foreach (KeyValuePair<string, object?> tag in point.Tags)
        {
            if (tag.Key == key)
            {
                return tag.Value;
            }
        }

        return null;
    }
}
