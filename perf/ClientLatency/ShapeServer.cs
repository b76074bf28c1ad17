using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ToolFlow.ClientLatency;

/// <summary>
/// A Kestrel server on 127.0.0.1 that plays <see cref="Shape"/> on the real clock in four wire formats: OpenAI chat
/// (<c>/v1/chat/completions</c>), OpenAI Responses (<c>/v1/responses</c>), Anthropic Messages (<c>/v1/messages</c>)
/// and Ollama (<c>/api/chat</c>). The timing is the shape's; each format only says how an event is written.
/// </summary>
internal sealed class ShapeServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ShapeServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>The server's root, e.g. <c>http://127.0.0.1:port/</c>.</summary>
    public Uri Address { get; }

    public static async Task<ShapeServer> StartAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        WebApplication app = builder.Build();
        app.MapPost("/v1/chat/completions", (RequestDelegate)(c => ServeAsync(c, new OpenAIChatWire())));
        app.MapPost("/v1/responses", (RequestDelegate)(c => ServeAsync(c, new OpenAIResponsesWire())));
        app.MapPost("/v1/messages", (RequestDelegate)(c => ServeAsync(c, new AnthropicWire())));
        app.MapPost("/api/chat", (RequestDelegate)(c => ServeAsync(c, new OllamaWire())));
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new ShapeServer(app, new Uri(address.TrimEnd('/') + "/"));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    // Each event is written at its time from the request's arrival, whatever the format.
    private static async Task ServeAsync(HttpContext context, WireFormat wire)
    {
        long start = Stopwatch.GetTimestamp();
        CancellationToken cancellationToken = context.RequestAborted;
        using JsonDocument request = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: cancellationToken);
        IEnumerable<(int AtMs, ShapeEvent Event)> script = wire.IsAnswerRequest(request.RootElement) ? Shape.Answer() : Shape.Turn();
        context.Response.ContentType = wire.ContentType;
        await context.Response.StartAsync(cancellationToken);
        foreach ((int atMs, ShapeEvent e) in script)
        {
            TimeSpan wait = TimeSpan.FromMilliseconds(atMs) - Stopwatch.GetElapsedTime(start);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken);
            }

            foreach (string text in wire.Write(e))
            {
                await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken);
            }

            await context.Response.Body.FlushAsync(cancellationToken);
        }
    }
}
