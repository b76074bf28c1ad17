using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ToolFlow.ClientShapes;

/// <summary>
/// A scripted model on 127.0.0.1 that speaks OpenAI's chat-completions and Responses streaming formats on a real
/// clock, in the issue's shape: a first response with three <c>lookup</c> calls whose arguments stream as deltas and
/// close at 300, 600 and 900 ms, then text to 2,000 ms; a request that carries tool results gets a 300 ms answer.
/// </summary>
internal sealed class ShapeServer : IAsyncDisposable
{
    public const int AnswerMs = 300;
    public const int DecodeEndMs = 2000;
    public static readonly int[] CloseMs = [300, 600, 900];

    private readonly WebApplication _app;

    private ShapeServer(WebApplication app, Uri endpoint)
    {
        _app = app;
        Endpoint = endpoint;
    }

    public Uri Endpoint { get; }

    public static async Task<ShapeServer> StartAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        WebApplication app = builder.Build();
        app.MapPost("/v1/chat/completions", (RequestDelegate)(c => ServeAsync(c, responses: false)));
        app.MapPost("/v1/responses", (RequestDelegate)(c => ServeAsync(c, responses: true)));
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new ShapeServer(app, new Uri(address.TrimEnd('/') + "/v1"));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static async Task ServeAsync(HttpContext context, bool responses)
    {
        var clock = Stopwatch.StartNew();
        using JsonDocument body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        bool answer = responses
            ? body.RootElement.GetProperty("input").EnumerateArray().Any(i => i.TryGetProperty("type", out JsonElement t) && t.GetString() == "function_call_output")
            : body.RootElement.GetProperty("messages").EnumerateArray().Any(m => m.GetProperty("role").GetString() == "tool");
        IEnumerable<(int AtMs, string Sse)> script = (responses, answer) switch
        {
            (false, false) => ChatTurn(),
            (false, true) => ChatAnswer(),
            (true, false) => new ResponsesScript().Turn(),
            (true, true) => new ResponsesScript().Answer(),
        };

        context.Response.ContentType = "text/event-stream";
        await context.Response.StartAsync(context.RequestAborted);
        foreach ((int atMs, string sse) in script)
        {
            TimeSpan wait = TimeSpan.FromMilliseconds(atMs) - clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, context.RequestAborted);
            }

            await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(sse), context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
        }
    }

    private static IEnumerable<(int, string)> ChatTurn()
    {
        yield return (0, Chunk(new JsonObject { ["role"] = "assistant", ["content"] = null }));
        for (int k = 0; k < CloseMs.Length; k++)
        {
            int close = CloseMs[k];
            yield return (close - 150, Chunk(new JsonObject
            {
                ["tool_calls"] = new JsonArray(new JsonObject
                {
                    ["index"] = k,
                    ["id"] = $"call_{k}",
                    ["type"] = "function",
                    ["function"] = new JsonObject { ["name"] = "lookup", ["arguments"] = "{\"q\":" },
                }),
            }));
            yield return (close - 75, ChatArguments(k, $" \"item {k}\""));
            yield return (close, ChatArguments(k, "}"));
        }

        foreach ((int at, string word) in Words(CloseMs[^1] + 200, DecodeEndMs))
        {
            yield return (at, Chunk(new JsonObject { ["content"] = word }));
        }

        yield return (DecodeEndMs, Chunk(new JsonObject(), "tool_calls"));
        yield return (DecodeEndMs, "data: [DONE]\n\n");
    }

    private static IEnumerable<(int, string)> ChatAnswer()
    {
        yield return (0, Chunk(new JsonObject { ["role"] = "assistant", ["content"] = null }));
        foreach ((int at, string word) in Words(100, AnswerMs))
        {
            yield return (at, Chunk(new JsonObject { ["content"] = word }));
        }

        yield return (AnswerMs, Chunk(new JsonObject(), "stop"));
        yield return (AnswerMs, "data: [DONE]\n\n");
    }

    /// <summary>Words every 100 ms from <paramref name="fromMs"/> to <paramref name="toMs"/>.</summary>
    private static IEnumerable<(int, string)> Words(int fromMs, int toMs)
    {
        for (int at = fromMs; at <= toMs; at += 100)
        {
            yield return (at, $"word{at} ");
        }
    }

    private static string ChatArguments(int index, string fragment) => Chunk(new JsonObject
    {
        ["tool_calls"] = new JsonArray(new JsonObject { ["index"] = index, ["function"] = new JsonObject { ["arguments"] = fragment } }),
    });

    private static string Chunk(JsonObject delta, string? finishReason = null) => "data: " + new JsonObject
    {
        ["id"] = "chatcmpl-shape",
        ["object"] = "chat.completion.chunk",
        ["created"] = 1_700_000_000,
        ["model"] = "m",
        ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finishReason }),
    }.ToJsonString() + "\n\n";

    /// <summary>One Responses stream's events, numbered in order.</summary>
    private sealed class ResponsesScript
    {
        private readonly List<JsonNode> _output = [];
        private int _sequence;

        public IEnumerable<(int, string)> Turn()
        {
            yield return (0, Event("response.created", new JsonObject { ["response"] = Response("in_progress") }));
            for (int k = 0; k < CloseMs.Length; k++)
            {
                int close = CloseMs[k];
                string arguments = $"{{\"q\": \"item {k}\"}}";
                yield return (close - 150, Event("response.output_item.added", new JsonObject { ["output_index"] = k, ["item"] = Call(k, string.Empty, "in_progress") }));
                yield return (close - 150, Delta(k, "{\"q\":"));
                yield return (close - 75, Delta(k, $" \"item {k}\""));
                yield return (close, Delta(k, "}"));

                // What OpenAI sends right after a call's last delta.
                yield return (close, Event("response.function_call_arguments.done", new JsonObject { ["item_id"] = $"fc_{k}", ["output_index"] = k, ["arguments"] = arguments }));
                _output.Add(Call(k, arguments, "completed"));
                yield return (close, Event("response.output_item.done", new JsonObject { ["output_index"] = k, ["item"] = Call(k, arguments, "completed") }));
            }

            foreach ((int, string) e in Message(CloseMs.Length, CloseMs[^1] + 200, DecodeEndMs))
            {
                yield return e;
            }

            yield return (DecodeEndMs, Event("response.completed", new JsonObject { ["response"] = Response("completed") }));
        }

        public IEnumerable<(int, string)> Answer()
        {
            yield return (0, Event("response.created", new JsonObject { ["response"] = Response("in_progress") }));
            foreach ((int, string) e in Message(0, 100, AnswerMs))
            {
                yield return e;
            }

            yield return (AnswerMs, Event("response.completed", new JsonObject { ["response"] = Response("completed") }));
        }

        private IEnumerable<(int, string)> Message(int index, int fromMs, int toMs)
        {
            var text = new StringBuilder();
            yield return (fromMs, Event("response.output_item.added", new JsonObject { ["output_index"] = index, ["item"] = MessageItem(null, "in_progress") }));
            foreach ((int at, string word) in Words(fromMs, toMs))
            {
                text.Append(word);
                yield return (at, Event("response.output_text.delta", new JsonObject
                {
                    ["item_id"] = "msg_1",
                    ["output_index"] = index,
                    ["content_index"] = 0,
                    ["delta"] = word,
                    ["logprobs"] = new JsonArray(),
                }));
            }

            _output.Add(MessageItem(text.ToString(), "completed"));
            yield return (toMs, Event("response.output_item.done", new JsonObject { ["output_index"] = index, ["item"] = MessageItem(text.ToString(), "completed") }));
        }

        private string Delta(int k, string delta) =>
            Event("response.function_call_arguments.delta", new JsonObject { ["item_id"] = $"fc_{k}", ["output_index"] = k, ["delta"] = delta });

        private static JsonObject Call(int k, string arguments, string status) => new()
        {
            ["id"] = $"fc_{k}",
            ["type"] = "function_call",
            ["status"] = status,
            ["arguments"] = arguments,
            ["call_id"] = $"call_{k}",
            ["name"] = "lookup",
        };

        private static JsonObject MessageItem(string? text, string status) => new()
        {
            ["id"] = "msg_1",
            ["type"] = "message",
            ["status"] = status,
            ["role"] = "assistant",
            ["content"] = text is null
                ? new JsonArray()
                : new JsonArray(new JsonObject { ["type"] = "output_text", ["text"] = text, ["annotations"] = new JsonArray(), ["logprobs"] = new JsonArray() }),
        };

        private JsonObject Response(string status) => new()
        {
            ["id"] = "resp_shape",
            ["object"] = "response",
            ["created_at"] = 1_700_000_000,
            ["status"] = status,
            ["model"] = "m",
            ["output"] = new JsonArray([.. _output.Select(o => o.DeepClone())]),
            ["parallel_tool_calls"] = true,
            ["store"] = true,
            ["tool_choice"] = "auto",
            ["tools"] = new JsonArray(),
            ["usage"] = status == "completed"
                ? new JsonObject { ["input_tokens"] = 20, ["output_tokens"] = 10, ["total_tokens"] = 30 }
                : null,
        };

        private string Event(string type, JsonObject body)
        {
            var data = new JsonObject { ["type"] = type, ["sequence_number"] = _sequence++ };
            foreach ((string key, JsonNode? value) in body)
            {
                data[key] = value?.DeepClone();
            }

            return $"event: {type}\ndata: {data.ToJsonString()}\n\n";
        }
    }
}
