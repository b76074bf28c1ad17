using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ToolFlow.Pipeline;

/// <summary>The process-wide source and instruments behind <see cref="ToolPipelineTelemetry"/>'s names.</summary>
internal static class PipelineInstruments
{
    private static readonly string? s_version = typeof(PipelineInstruments).Assembly.GetName().Version?.ToString();

    // The GenAI conventions advise these buckets for tool durations; the wait and the overlap use them too.
    private static readonly double[] s_secondsBuckets = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];

    public static readonly ActivitySource Source = new(ToolPipelineTelemetry.ActivitySourceName, s_version);

    public static readonly Meter Meter = new(ToolPipelineTelemetry.MeterName, s_version);

    public static readonly Histogram<double> ToolDuration = Seconds(
        ToolPipelineTelemetry.ToolDurationMetric, "The duration of a single tool execution, from its start to its outcome.");

    public static readonly Histogram<double> ToolWait = Seconds(
        ToolPipelineTelemetry.ToolWaitMetric, "How long a call waited between its arguments closing and its tool starting.");

    public static readonly UpDownCounter<long> ActiveCalls = Meter.CreateUpDownCounter<long>(
        ToolPipelineTelemetry.ActiveCallsMetric, "{call}", "Calls whose tool is running.");

    public static readonly Histogram<double> DecodeOverlap = Seconds(
        ToolPipelineTelemetry.DecodeOverlapMetric, "Per turn, how long the model was still decoding while at least one tool ran.");

    /// <summary>Whether anyone records spans or metrics; a run makes no telemetry object when nobody does.</summary>
    public static bool AnyListener =>
        Source.HasListeners() || ToolDuration.Enabled || ToolWait.Enabled || ActiveCalls.Enabled || DecodeOverlap.Enabled;

    private static Histogram<double> Seconds(string name, string description) =>
        Meter.CreateHistogram(name, "s", description, tags: null, new InstrumentAdvice<double> { HistogramBucketBoundaries = s_secondsBuckets });
}
