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

/// <summary>A run's telemetry fed events directly: the outcomes a scripted run cannot easily make.</summary>
public sealed class RunTelemetryTests
{
    private readonly ManualTimeProvider _clock = new();

    private ToolPipelineOptions Options => new() { TimeProvider = _clock };

    private DateTimeOffset At(int ms) => _clock.Epoch + TimeSpan.FromMilliseconds(ms);

    private static ToolCall Call(string id, string name) => new(id, name, 0, 1, new Dictionary<string, object?>(), "{}");

    private static object? Tag(Activity activity, string key) => activity.TagObjects.FirstOrDefault(t => t.Key == key).Value;

    [Fact]
    public void OnEvent_ResultQuarantined_SpanFailsAsQuarantinedWithThePolicyThatRefused()
    {
        var spans = new List<Activity>();
        using (TracerProvider tracing = Sdk.CreateTracerProviderBuilder().AddSource(ToolPipelineTelemetry.ActivitySourceName).AddInMemoryExporter(spans).Build())
        {
            RunTelemetry telemetry = Assert.IsType<RunTelemetry>(RunTelemetry.Create(Options, new ScriptedChatClient([])));
            ToolCall call = Call("call_1", "transfer");
            var response = new ResponseCompleted(new ChatMessage(ChatRole.Assistant, "Sending."), [call], ChatFinishReason.ToolCalls, null, null) { Turn = 1, Timestamp = At(1000) };
            telemetry.TurnRequested(1);
            ToolPipelineEvent[] events =
            [
                new TurnStarted([]) { Turn = 1, Timestamp = At(0) },
                new ToolCallDetected(call.CallId, call.Name, 0) { Turn = 1, Timestamp = At(100) },
                new ToolCallClosed(call) { Turn = 1, Timestamp = At(200) },
                new ToolCallPermissionChecked(call, ToolPermissionCheckpoint.Dispatch, new(true, "payments", "r1")) { Turn = 1, Timestamp = At(200) },
                new ToolCallStarted(call) { Turn = 1, Timestamp = At(250) },
                new ToolResultQuarantined(call, "sent", new(false, "payments", "r2", "revoked while running")) { Turn = 1, Timestamp = At(900) },
                new ToolCallFailed(call, ToolCallFailureKind.Quarantined, "Quarantined.", "Quarantined.", null, TimeSpan.FromMilliseconds(650)) { Turn = 1, Timestamp = At(900) },
                response,
                new TurnCompleted([], response) { Turn = 1, Timestamp = At(1000) },
            ];
            foreach (ToolPipelineEvent e in events)
            {
                telemetry.OnEvent(e);
            }

            telemetry.RunEnded(new RunCompleted(RunCompletionReason.FinalAnswer, [], 1) { Turn = 1, Timestamp = At(1000) });
        }

        Activity span = Assert.Single(spans, s => s.DisplayName == "execute_tool transfer");
        Assert.Equal("quarantined", Tag(span, "error.type"));
        Assert.Equal("quarantined", Tag(span, ToolPipelineTelemetry.ToolOutcomeAttribute));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal("payments", Tag(span, ToolPipelineTelemetry.PermissionPolicyAttribute));
        Assert.Equal("r2", Tag(span, ToolPipelineTelemetry.PermissionRevisionAttribute));
        Assert.Equal("revoked while running", Tag(span, ToolPipelineTelemetry.PermissionReasonAttribute));
        Assert.Equal(At(250).UtcDateTime, span.StartTimeUtc);
        Assert.Equal(TimeSpan.FromMilliseconds(650), span.Duration);
        Assert.Equal(50.0, Tag(span, ToolPipelineTelemetry.ToolWaitAttribute));

        Activity turn = Assert.Single(spans, s => s.DisplayName == ToolPipelineTelemetry.TurnSpanName);
        Assert.Equal(650.0, Tag(turn, ToolPipelineTelemetry.DecodeOverlapAttribute));
        Assert.Equal(TimeSpan.FromMilliseconds(1000), turn.Duration);
    }

    [Fact]
    public void OnEvent_ToolCallsOverlappingEachOtherAndTheDecode_OverlapCountsTheirUnionOnce()
    {
        var spans = new List<Activity>();
        using (TracerProvider tracing = Sdk.CreateTracerProviderBuilder().AddSource(ToolPipelineTelemetry.ActivitySourceName).AddInMemoryExporter(spans).Build())
        {
            RunTelemetry telemetry = RunTelemetry.Create(Options, new ScriptedChatClient([]))!;
            ToolCall a = Call("a", "search");
            ToolCall b = Call("b", "search");
            ToolCall c = Call("c", "fetch");
            var response = new ResponseCompleted(new ChatMessage(ChatRole.Assistant, "x"), [a, b, c], ChatFinishReason.Stop, null, null) { Turn = 1, Timestamp = At(1000) };
            telemetry.TurnRequested(1);

            // Runs: a 100-400, b 300-600 (overlapping a), c 800-1500 (past the decode's end at 1000): 500 + 200.
            ToolPipelineEvent[] events =
            [
                new TurnStarted([]) { Turn = 1, Timestamp = At(0) },
                new ToolCallStarted(a) { Turn = 1, Timestamp = At(100) },
                new ToolCallStarted(b) { Turn = 1, Timestamp = At(300) },
                new ToolCallCompleted(a, "x", TimeSpan.FromMilliseconds(300)) { Turn = 1, Timestamp = At(400) },
                new ToolCallCompleted(b, "y", TimeSpan.FromMilliseconds(300)) { Turn = 1, Timestamp = At(600) },
                new ToolCallStarted(c) { Turn = 1, Timestamp = At(800) },
                response,
                new ToolCallCompleted(c, "z", TimeSpan.FromMilliseconds(700)) { Turn = 1, Timestamp = At(1500) },
                new TurnCompleted([], response) { Turn = 1, Timestamp = At(1500) },
            ];
            foreach (ToolPipelineEvent e in events)
            {
                telemetry.OnEvent(e);
            }

            telemetry.RunEnded(new RunCompleted(RunCompletionReason.FinalAnswer, [], 1) { Turn = 1, Timestamp = At(1500) });
        }

        Activity turn = Assert.Single(spans, s => s.DisplayName == ToolPipelineTelemetry.TurnSpanName);
        Assert.Equal(700.0, Tag(turn, ToolPipelineTelemetry.DecodeOverlapAttribute));
    }

    [Fact]
    public void Create_NothingListens_Null()
    {
        // No provider for ToolFlow's source or meter: a run makes no telemetry object, so it costs a null check per event.
        Assert.Null(RunTelemetry.Create(Options, new ScriptedChatClient([])));
    }

    [Fact]
    public void Create_OnlyMetricsListened_NoSpansButPoints()
    {
        var exported = new List<MetricSnapshot>();
        using MeterProvider meters = Sdk.CreateMeterProviderBuilder().AddMeter(ToolPipelineTelemetry.MeterName).AddInMemoryExporter(exported).Build();
        RunTelemetry telemetry = Assert.IsType<RunTelemetry>(RunTelemetry.Create(Options, new ScriptedChatClient([])));
        Assert.False(telemetry.Tracing);
        telemetry.TurnRequested(1);
        Assert.Null(telemetry.CurrentTurn);

        ToolCall call = Call("call_1", "search");
        telemetry.OnEvent(new ToolCallStarted(call) { Turn = 1, Timestamp = At(0) });
        telemetry.OnEvent(new ToolCallCompleted(call, "x", TimeSpan.FromMilliseconds(250)) { Turn = 1, Timestamp = At(250) });
        meters.ForceFlush();

        MetricSnapshot duration = Assert.Single(exported, m => m.Name == ToolPipelineTelemetry.ToolDurationMetric);
        MetricPoint point = Assert.Single(duration.MetricPoints);
        Assert.Equal(1, point.GetHistogramCount());
        Assert.Equal(0.25, point.GetHistogramSum(), 9);
    }
}
