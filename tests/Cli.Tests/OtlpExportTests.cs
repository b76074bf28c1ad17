using System.Collections.Concurrent;
using System.CommandLine;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ToolFlow.Cli.Tests;

public sealed class OtlpExportTests
{
    [Fact]
    public async Task InvokeAsync_DemoWithOtlp_SendsTracesAndMetricsAsProtobufToTheCollector()
    {
        var received = new ConcurrentQueue<(string Path, string? ContentType, int Length)>();
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        await using WebApplication collector = builder.Build();
        foreach (string path in new[] { "/v1/traces", "/v1/metrics" })
        {
            collector.MapPost(path, async context =>
            {
                using var body = new MemoryStream();
                await context.Request.Body.CopyToAsync(body, context.RequestAborted);
                received.Enqueue((context.Request.Path, context.Request.ContentType, (int)body.Length));
                context.Response.StatusCode = StatusCodes.Status200OK;
            });
        }

        await collector.StartAsync();
        string address = collector.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        // The live view without the comparison runs: one real-time run of the demo's conversation, then the export's flush.
        int exitCode = await Program.InvokeAsync(
            ["demo", "--no-compare", "--otlp", address],
            new InvocationConfiguration { Output = new StringWriter(), Error = new StringWriter() },
            CancellationToken.None);

        Assert.Equal(0, exitCode);
        Assert.Contains(received, r => r.Path == "/v1/traces" && r.ContentType == "application/x-protobuf" && r.Length > 0);
        Assert.Contains(received, r => r.Path == "/v1/metrics" && r.ContentType == "application/x-protobuf" && r.Length > 0);
    }

    [Theory]
    [InlineData("http://127.0.0.1:4318", "http://127.0.0.1:4318/v1/traces")]
    [InlineData("https://collector.example/otlp", "https://collector.example/otlp/v1/traces")]
    [InlineData("https://collector.example/otlp/", "https://collector.example/otlp/v1/traces")]
    public void TryParse_CollectorRoot_SignalPathsGoUnderIt(string value, string traces)
    {
        Assert.True(OtlpExport.TryParse(value, out Uri root));
        Assert.Equal(traces, new Uri(root, "v1/traces").AbsoluteUri);
    }

    [Theory]
    [InlineData("ftp://127.0.0.1:4318")]
    [InlineData("127.0.0.1:4318")]
    [InlineData("/v1/traces")]
    public void TryParse_NotAnHttpAddress_False(string value) => Assert.False(OtlpExport.TryParse(value, out _));
}
