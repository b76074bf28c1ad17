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
/// A loopback server that streams the shape on the real clock, in the Anthropic Messages SSE format at
/// <c>/v1/messages</c> and in Ollama's NDJSON at <c>/api/chat</c>: three <c>lookup</c> calls whose arguments close
/// at 300, 600 and 900 ms, text every 100 ms until 2,000 ms; once the results are sent back, a 300 ms answer.
/// </summary>
internal sealed class ShapeServer : IAsyncDisposable
{
    public static readonly int[] CallClosesMs = [300, 600, 900];
    public const int DecodeEndMs = 2000;
    public const int AnswerMs = 300;

    private readonly WebApplication _app;

    private ShapeServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public static async Task<ShapeServer> StartAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        WebApplication app = builder.Build();
        app.MapPost("/v1/messages", (RequestDelegate)(c => ServeAsync(c, anthropic: true)));
        app.MapPost("/api/chat", (RequestDelegate)(c => ServeAsync(c, anthropic: false)));
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new ShapeServer(app, new Uri(address.TrimEnd('/')));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static async Task ServeAsync(HttpContext context, bool anthropic)
    {
        long start = Stopwatch.GetTimestamp();
        using JsonDocument request = await JsonDocument.ParseAsync(context.Request.Body);
        string body = request.RootElement.GetRawText();
        bool answer = anthropic ? body.Contains("\"tool_result\"", StringComparison.Ordinal) : body.Contains("\"role\":\"tool\"", StringComparison.Ordinal);
        var writer = new Writer(context, start, anthropic);
        await writer.BeginAsync();
        if (anthropic)
        {
            await writer.SseAsync(0, "message_start", """{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"claude-shape","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":50,"output_tokens":1}}}""");
        }

        if (answer)
        {
            await writer.TextRunAsync(0, AnswerMs, block: 0);
            await writer.EndAsync(AnswerMs, "end_turn");
            return;
        }

        await writer.TextRunAsync(0, 200, block: 0);
        for (int i = 0; i < CallClosesMs.Length; i++)
        {
            await writer.CallAsync(i + 1, $"toolu_{i}", CallClosesMs[i], $"q{i}");
        }

        await writer.TextRunAsync(CallClosesMs[^1] + 100, DecodeEndMs, block: CallClosesMs.Length + 1);
        await writer.EndAsync(DecodeEndMs, "tool_use");
    }

    private sealed class Writer(HttpContext context, long start, bool anthropic)
    {
        public async Task BeginAsync()
        {
            context.Response.ContentType = anthropic ? "text/event-stream" : "application/x-ndjson";
            await context.Response.StartAsync();
        }

        // Text every 100 ms from fromMs to toMs, as one Anthropic text block or Ollama content chunks.
        public async Task TextRunAsync(int fromMs, int toMs, int block)
        {
            if (anthropic)
            {
                await SseAsync(fromMs, "content_block_start", $$$$"""{"type":"content_block_start","index":{{{{block}}}},"content_block":{"type":"text","text":""}}""");
            }

            for (int t = fromMs; t < toMs; t += 100)
            {
                await TextAsync(t, block, "word word word ");
            }

            if (anthropic)
            {
                await SseAsync(toMs, "content_block_stop", $$$$"""{"type":"content_block_stop","index":{{{{block}}}}}""");
            }
        }

        // A call: Anthropic streams its arguments in fragments from 100 ms before it closes; Ollama sends it whole.
        public async Task CallAsync(int block, string id, int closesMs, string q)
        {
            if (!anthropic)
            {
                await LineAsync(closesMs, $$$$"""{"model":"llama-shape","created_at":"2026-12-06T00:00:00Z","message":{"role":"assistant","content":"","tool_calls":[{"function":{"name":"lookup","arguments":{"q":"{{{{q}}}}"}}}]},"done":false}""");
                return;
            }

            await SseAsync(closesMs - 100, "content_block_start", $$$$"""{"type":"content_block_start","index":{{{{block}}}},"content_block":{"type":"tool_use","id":"{{{{id}}}}","name":"lookup","input":{}}}""");
            await SseAsync(closesMs - 50, "content_block_delta", $$$$"""{"type":"content_block_delta","index":{{{{block}}}},"delta":{"type":"input_json_delta","partial_json":"{\"q\": "}}""");
            await SseAsync(closesMs, "content_block_delta", $$$$"""{"type":"content_block_delta","index":{{{{block}}}},"delta":{"type":"input_json_delta","partial_json":"\"{{{{q}}}}\"}"}}""");
            await SseAsync(closesMs, "content_block_stop", $$$$"""{"type":"content_block_stop","index":{{{{block}}}}}""");
        }

        public async Task EndAsync(int atMs, string stopReason)
        {
            if (anthropic)
            {
                await SseAsync(atMs, "message_delta", $$$$"""{"type":"message_delta","delta":{"stop_reason":"{{{{stopReason}}}}","stop_sequence":null},"usage":{"output_tokens":120}}""");
                await SseAsync(atMs, "message_stop", """{"type":"message_stop"}""");
            }
            else
            {
                await LineAsync(atMs, """{"model":"llama-shape","created_at":"2026-12-06T00:00:02Z","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","prompt_eval_count":50,"eval_count":120}""");
            }
        }

        public Task SseAsync(int atMs, string type, string json) => WriteAsync(atMs, $"event: {type}\ndata: {json}\n\n");

        private Task TextAsync(int atMs, int block, string text) => anthropic
            ? SseAsync(atMs, "content_block_delta", $$$$"""{"type":"content_block_delta","index":{{{{block}}}},"delta":{"type":"text_delta","text":"{{{{text}}}}"}}""")
            : LineAsync(atMs, $$$$"""{"model":"llama-shape","created_at":"2026-12-06T00:00:00Z","message":{"role":"assistant","content":"{{{{text}}}}"},"done":false}""");

        private Task LineAsync(int atMs, string json) => WriteAsync(atMs, json + "\n");

        private async Task WriteAsync(int atMs, string text)
        {
            TimeSpan wait = TimeSpan.FromMilliseconds(atMs) - Stopwatch.GetElapsedTime(start);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }

            await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(text));
            await context.Response.Body.FlushAsync();
        }
    }
}
