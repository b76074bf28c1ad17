using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.AI;
using OllamaSharp;
using ToolFlow.Blocks;

namespace ToolFlow.Pipeline.Tests;

/// <summary>
/// OllamaSharp's <see cref="IChatClient"/> against a loopback server speaking Ollama's <c>/api/chat</c> NDJSON stream.
/// Ollama sends each tool call whole in a chunk's <c>message.tool_calls</c>, and OllamaSharp yields it as a
/// <see cref="FunctionCallContent"/> in that chunk's update, so ToolFlow starts it there with no reader. The server
/// holds the rest of the stream until the tool has started: a tool that could not start mid-stream would hang the
/// test until its guard.
/// </summary>
public sealed class OllamaSharpTests
{
    // A guard against a hang, never a measurement.
    private static readonly TimeSpan s_guard = TimeSpan.FromSeconds(60);

    private readonly ConcurrentQueue<string> _ran = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _started = new();

    [Fact]
    public async Task RunAsync_CallsInChunksBeforeDone_EachStartsBeforeTheStreamEndsAndRunsOnce()
    {
        using var guard = new CancellationTokenSource(s_guard);
        await using OllamaTestServer server = await OllamaTestServer.StartAsync(guard.Token);
        OllamaResponse first = server.Enqueue(new OllamaResponse()
            .Text("Let me look.")
            .Calls(("call_a", "lookup", """{"q":"a"}"""))
            .WaitFor(Started("lookup:a"))
            .Text(" And the time.")
            .Calls(("call_now", "now", "{}"))
            .WaitFor(Started("now"))
            .Calls(("call_b", "lookup", """{"q":"b"}"""))
            .WaitFor(Started("lookup:b"))
            .Text(" One moment.")
            .Done());
        OllamaResponse second = server.Enqueue(new OllamaResponse().Text("a and b were found at 09:30.").Done());

        List<ToolPipelineEvent> events = await RunAsync(server, guard.Token);

        RunCompleted completed = Assert.IsType<RunCompleted>(events[^1]);
        Assert.Equal(RunCompletionReason.FinalAnswer, completed.Reason);
        Assert.Equal("a and b were found at 09:30.", completed.FinalText);
        Assert.Equal(["lookup:a", "now", "lookup:b"], _ran);
        Assert.True(first.HasEnded);

        JsonElement[] messages = [.. (await second.Received).GetProperty("messages").EnumerateArray()];
        Assert.Equal(["user", "assistant", "tool", "tool", "tool"], messages.Select(m => m.GetProperty("role").GetString()));
        Assert.Equal("Let me look. And the time. One moment.", messages[1].GetProperty("content").GetString());
        JsonElement[] calls = [.. messages[1].GetProperty("tool_calls").EnumerateArray()];
        Assert.Equal(["lookup", "now", "lookup"], calls.Select(c => c.GetProperty("function").GetProperty("name").GetString()));
        Assert.Equal(["""{"q":"a"}""", "{}", """{"q":"b"}"""], calls.Select(c => c.GetProperty("function").GetProperty("arguments").GetRawText()));

        // OllamaSharp writes each result as {"CallId", "Result"} JSON in the tool message's content.
        string[] callIds = [.. events.OfType<ToolCallStarted>().Select(s => s.Call.CallId)];
        JsonElement[] results = [.. messages.Skip(2).Select(m => JsonDocument.Parse(m.GetProperty("content").GetString()!).RootElement)];
        Assert.Equal(callIds, results.Select(r => r.GetProperty("CallId").GetString()));
        Assert.Equal(["found a", "09:30", "found b"], results.Select(r => r.GetProperty("Result").GetString()));
    }

    [Fact]
    public async Task RunAsync_OllamaSharpCallIds_AreItsOwnNotTheWiresAndEachCallKeepsOne()
    {
        // OllamaSharp 5.5.2 ignores the id Ollama sends and gives each call 8 characters of a new GUID; the ids are
        // unique, so ToolFlow needs nothing more to tell calls apart and match their results.
        using var guard = new CancellationTokenSource(s_guard);
        await using OllamaTestServer server = await OllamaTestServer.StartAsync(guard.Token);
        server.Enqueue(new OllamaResponse()
            .Calls(("call_a", "lookup", """{"q":"a"}"""), ("call_b", "lookup", """{"q":"b"}"""))
            .WaitFor(Started("lookup:a"))
            .WaitFor(Started("lookup:b"))
            .Done());
        server.Enqueue(new OllamaResponse().Text("Done.").Done());

        List<ToolPipelineEvent> events = await RunAsync(server, guard.Token);

        string[] ids = [.. events.OfType<ToolCallStarted>().Select(s => s.Call.CallId)];
        Assert.Equal(2, ids.Distinct().Count());
        Assert.All(ids, id => Assert.Equal(8, id.Length));
        Assert.DoesNotContain("call_a", ids);
        Assert.Equal(ids.Order(), events.OfType<ToolCallCompleted>().Select(c => c.Call.CallId).Order());
        Assert.Equal(["lookup:a", "lookup:b"], _ran.Order());
    }

    [Fact]
    public async Task RunAsync_ErrorLineMidStream_OllamaSharpHidesItSoTheTurnEndsAsIfClean()
    {
        // A named limit of OllamaSharp 5.5.2: it reads Ollama's {"error": ...} line as a chunk without a message and
        // yields an empty update, and a stream that then stops without done: true ends like any other. No client
        // of its IChatClient can tell; only calls it gave before the error exist, and they run once.
        using var guard = new CancellationTokenSource(s_guard);
        await using OllamaTestServer server = await OllamaTestServer.StartAsync(guard.Token);
        server.Enqueue(new OllamaResponse()
            .Calls(("call_a", "lookup", """{"q":"a"}"""))
            .WaitFor(Started("lookup:a"))
            .Line("""{"error":"model runner has unexpectedly stopped"}"""));
        server.Enqueue(new OllamaResponse().Text("Found a.").Done());

        List<ToolPipelineEvent> events = await RunAsync(server, guard.Token);

        ResponseCompleted first = events.OfType<ResponseCompleted>().First();
        Assert.Null(first.Error);
        Assert.Null(first.FinishReason);
        Assert.DoesNotContain(events, e => e is DiagnosticReported);
        Assert.Equal(["lookup:a"], _ran);
        Assert.Equal(RunCompletionReason.FinalAnswer, Assert.IsType<RunCompleted>(events[^1]).Reason);
    }

    private async Task<List<ToolPipelineEvent>> RunAsync(OllamaTestServer server, CancellationToken cancellationToken)
    {
        using var client = new OllamaApiClient(server.BaseAddress, "llama-test");
        ToolPipeline pipeline = ToolPipeline.CreateBuilder(client)
            .AddTool(AIFunctionFactory.Create((string q) => { Ran($"lookup:{q}"); return $"found {q}"; }, "lookup"), ToolEffects.ReadOnly)
            .AddTool(AIFunctionFactory.Create(() => { Ran("now"); return "09:30"; }, "now"), ToolEffects.ReadOnly)
            .Build();
        var events = new List<ToolPipelineEvent>();
        await foreach (ToolPipelineEvent e in pipeline.RunAsync([new ChatMessage(ChatRole.User, "Look up a and b, and the time.")], cancellationToken))
        {
            events.Add(e);
        }

        return events;
    }

    private Task Started(string key) => _started.GetOrAdd(key, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    private void Ran(string key)
    {
        _ran.Enqueue(key);
        _ = Started(key);
        _started[key].TrySetResult();
    }
}
