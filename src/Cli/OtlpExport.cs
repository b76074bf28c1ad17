using System.CommandLine;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using ToolFlow.Pipeline;

namespace ToolFlow.Cli;

/// <summary>
/// <c>--otlp URL</c> on <c>run</c> and <c>demo</c>: ToolFlow's spans and metrics, and the model requests' (Microsoft.Extensions.AI's
/// <c>UseOpenTelemetry</c>), go to an OpenTelemetry collector over OTLP/HTTP protobuf while the command runs.
/// </summary>
internal static class OtlpExport
{
    /// <summary>The option's name, shared by the commands that take it.</summary>
    public const string OptionName = "--otlp";

    /// <summary>The source and meter name of Microsoft.Extensions.AI's <c>UseOpenTelemetry</c> by default.</summary>
    public const string ModelTelemetryName = "Experimental.Microsoft.Extensions.AI";

    public static Option<string?> CreateOption() => new(OptionName)
    {
        Description = "Export spans and metrics (OpenTelemetry GenAI conventions) over OTLP/HTTP protobuf to this collector, "
            + "e.g. http://127.0.0.1:4318: traces to URL/v1/traces, metrics to URL/v1/metrics, sent when the command ends.",
    };

    /// <summary>The collector's root from the option's value: an absolute http or https address.</summary>
    public static bool TryParse(string value, out Uri root)
    {
        root = null!;
        if (!Uri.TryCreate(value, UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return false;
        }

        // Relative signal paths resolve under the root's own path, so a root without a final slash keeps its last segment.
        root = uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");
        return true;
    }

    /// <summary>Starts exporting; disposing flushes what is left and stops.</summary>
    public static IDisposable Start(Uri root)
    {
        ArgumentNullException.ThrowIfNull(root);
        TracerProvider tracing = Sdk.CreateTracerProviderBuilder()
            .ConfigureResource(r => r.AddService("toolflow"))
            .AddSource(ToolPipelineTelemetry.ActivitySourceName, ModelTelemetryName)
            .AddOtlpExporter(o => Configure(o, new Uri(root, "v1/traces")))
            .Build();
        MeterProvider metrics = Sdk.CreateMeterProviderBuilder()
            .ConfigureResource(r => r.AddService("toolflow"))
            .AddMeter(ToolPipelineTelemetry.MeterName, ModelTelemetryName)
            .AddOtlpExporter(o => Configure(o, new Uri(root, "v1/metrics")))
            .Build();
        return new Providers(tracing, metrics);
    }

    private static void Configure(OtlpExporterOptions options, Uri endpoint)
    {
        // Set in code, the endpoint is used as it is: the signal's path is part of it.
        options.Protocol = OtlpExportProtocol.HttpProtobuf;
        options.Endpoint = endpoint;
    }

    private sealed class Providers(TracerProvider tracing, MeterProvider metrics) : IDisposable
    {
        public void Dispose()
        {
            // Disposing a provider exports what it still holds (spans batched, the last metric collection).
            tracing.Dispose();
            metrics.Dispose();
        }
    }
}
