using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;
using ToolFlow.Pipeline;

namespace ToolFlow.Providers.OpenAI.Tests;

/// <summary>
/// Scripted multi-turn conversations over real HTTP, with a server that writes one SSE event at a time and holds
/// the rest of the body until the test releases it: tools start, and finish, while the response is still open.
/// </summary>
public sealed class OpenAIStreamingPipelineTests
{
    /// <summary>What the server had sent when a tool started.</summary>
    private readonly ConcurrentDictionary<string, (int Sent, int Steps, bool Ended)> _serverAtStart = new();

    [Fact]
    public Task RunAsync_SlowStream_EachToolStartsAndFinishesWhileTheServerHoldsTheRestOfTheBody() => TestGuard.RunAsync(async ct =>
    {
        await using OpenAITestServer server = await OpenAITestServer.StartAsync(ct);
        SseHttpResponse first = server.Enqueue(new SseHttpResponse(stepped: true)
            .Event(Chunks.Role())
            .Event(Chunks.Text("Let me check the weather and the time."))
            .Event(Chunks.CallStart(0, "call_weather", "get_weather", "{\"ci"))
            .Event(Chunks.CallArguments(0, "ty\": \"Oslo\"}"))
            .Event(Chunks.Text(" Meanwhile, a few more words."))
            .Event(Chunks.CallStart(1, "call_time", "get_time", "{\"zone\":"))
            .Event(Chunks.CallArguments(1, " \"Europe/Oslo\"}"))
            .Event(Chunks.Finish("tool_calls"))
            .Event(Chunks.Usage(40, 30))
            .Done());
        SseHttpResponse second = server.Enqueue(SseHttpResponse.Of(Chunks.Answer("It is 12 C in Oslo at 09:30.")));
        using OpenAIChatClient client = OpenAIChatClientTests.Client(server);
        ToolPipeline pipeline = ToolPipeline.CreateBuilder(client)
            .AddTool(Weather(first), ToolEffects.ReadOnly)
            .AddTool(Time(first), ToolEffects.ReadOnly)
            .Build();

        PipelineRun run = PipelineRun.Start(pipeline, "Weather and time in Oslo?", ct);

        // The weather call closes with the fourth event; its tool starts and finishes before the fifth is sent.
        await first.SendUntilAsync(4, ct);
        ToolCallStarted weatherStarted = await run.WaitForAsync<ToolCallStarted>(s => s.Call.Name == "get_weather", ct);
        ToolCallCompleted weatherDone = await run.WaitForAsync<ToolCallCompleted>(c => c.Call.Name == "get_weather", ct);
        Assert.Equal((4, first.StepCount, false), _serverAtStart["get_weather"]);
        Assert.Equal(4, first.Sent);
        Assert.False(first.HasEnded);
        Assert.Equal("12 C, cloudy in Oslo", weatherDone.Result?.ToString());
        Assert.Equal("Oslo", ((JsonElement)weatherStarted.Call.Arguments!["city"]!).GetString());

        // The time call closes with the seventh; the finish, usage and [DONE] are still held.
        await first.SendUntilAsync(7, ct);
        await run.WaitForAsync<ToolCallCompleted>(c => c.Call.Name == "get_time", ct);
        Assert.Equal((7, first.StepCount, false), _serverAtStart["get_time"]);
        Assert.False(first.HasEnded);
        Assert.DoesNotContain(run.Events, e => e is ResponseCompleted);

        await first.SendRestAsync(ct);
        RunCompleted completed = await run.CompletionAsync(ct);

        Assert.Equal(RunCompletionReason.FinalAnswer, completed.Reason);
        Assert.Equal("It is 12 C in Oslo at 09:30.", completed.FinalText);
        Conversation.AssertConsistent(completed.Messages);
        JsonElement[] sent = (await second.Received).Messages;
        Assert.Equal(["user", "assistant", "tool", "tool"], sent.Select(m => m.GetProperty("role").GetString()));
        Assert.Equal("Let me check the weather and the time. Meanwhile, a few more words.", sent[1].GetProperty("content").GetString());
        Assert.Equal(["call_weather", "call_time"], sent.Skip(2).Select(m => m.GetProperty("tool_call_id").GetString()));
        Assert.Equal(["12 C, cloudy in Oslo", "09:30 in Europe/Oslo"], sent.Skip(2).Select(m => m.GetProperty("content").GetString()));
    });

    [Fact]
    public Task RunAsync_ThreeTurns_EveryTurnsToolsStartMidStreamAndTheHistoryGoesBackWhole() => TestGuard.RunAsync(async ct =>
    {
        await using OpenAITestServer server = await OpenAITestServer.StartAsync(ct);
        SseHttpResponse first = server.Enqueue(new SseHttpResponse(stepped: true)
            .Event(Chunks.Role())
            .Event(Chunks.CallStart(0, "call_1", "get_weather", "{\"city\": \"Oslo\"}"))
            .Event(Chunks.Text("Checking Oslo first."))
            .Event(Chunks.Finish("tool_calls"))
            .Done());
        SseHttpResponse second = server.Enqueue(new SseHttpResponse(stepped: true)
            .Event(Chunks.Role())
            .Event(Chunks.CallStart(0, "call_2", "get_weather", "{\"city\": \"Bergen\"}"))
            .Event(Chunks.CallStart(1, "call_3", "get_time", "{\"zone\": \"UTC\"}"))
            .Event(Chunks.Finish("tool_calls"))
            .Done());
        SseHttpResponse third = server.Enqueue(SseHttpResponse.Of(Chunks.Answer("Oslo and Bergen are both 12 C.")));
        using OpenAIChatClient client = OpenAIChatClientTests.Client(server);
        ToolPipeline pipeline = ToolPipeline.CreateBuilder(client)
            .AddTool(Weather(first, second), ToolEffects.ReadOnly)
            .AddTool(Time(second), ToolEffects.ReadOnly)
            .Build();

        PipelineRun run = PipelineRun.Start(pipeline, "Compare Oslo and Bergen.", ct);

        await first.SendUntilAsync(2, ct);
        await run.WaitForAsync<ToolCallCompleted>(c => c.Call.CallId == "call_1", ct);
        Assert.False(first.HasEnded);
        await first.SendRestAsync(ct);

        await second.SendUntilAsync(3, ct);
        await run.WaitForAsync<ToolCallCompleted>(c => c.Call.CallId == "call_3", ct);
        Assert.Contains(run.Events.OfType<ToolCallStarted>(), s => s.Call.CallId == "call_2");
        Assert.False(second.HasEnded);
        await second.SendRestAsync(ct);

        RunCompleted completed = await run.CompletionAsync(ct);
        Assert.Equal(RunCompletionReason.FinalAnswer, completed.Reason);
        Assert.Equal(3, completed.Turns);
        Conversation.AssertConsistent(completed.Messages);
        Assert.Equal(
            ["user", "assistant", "tool", "assistant", "tool", "tool"],
            (await third.Received).Messages.Select(m => m.GetProperty("role").GetString()));
        Assert.Equal(
            ["call_1", "call_2", "call_3"],
            (await third.Received).Messages.Where(m => m.GetProperty("role").GetString() == "tool").Select(m => m.GetProperty("tool_call_id").GetString()));
    });

    [Fact]
    public Task RunAsync_SideEffectingTool_WaitsForTheCleanEndOfTheResponse() => TestGuard.RunAsync(async ct =>
    {
        await using OpenAITestServer server = await OpenAITestServer.StartAsync(ct);
        SseHttpResponse first = server.Enqueue(new SseHttpResponse(stepped: true)
            .Event(Chunks.Role())
            .Event(Chunks.CallStart(0, "call_look", "get_weather", "{\"city\": \"Oslo\"}"))
            .Event(Chunks.CallStart(1, "call_send", "send_report", "{\"to\": \"ops\"}"))
            .Event(Chunks.Text("Sent."))
            .Event(Chunks.Finish("tool_calls"))
            .Done());
        server.Enqueue(SseHttpResponse.Of(Chunks.Answer("Reported.")));
        using OpenAIChatClient client = OpenAIChatClientTests.Client(server);
        var sends = new ConcurrentQueue<string>();
        ToolPipeline pipeline = ToolPipeline.CreateBuilder(client)
            .AddTool(Weather(first), ToolEffects.ReadOnly)
            .AddTool(AIFunctionFactory.Create((string to) => { sends.Enqueue(to); return "sent"; }, "send_report"))
            .Build();

        PipelineRun run = PipelineRun.Start(pipeline, "Report Oslo's weather to ops.", ct);

        // Both calls are closed while the server holds the rest: the read-only one runs, the other waits.
        await first.SendUntilAsync(3, ct);
        await run.WaitForAsync<ToolCallCompleted>(c => c.Call.Name == "get_weather", ct);
        ToolCallWaiting waiting = await run.WaitForAsync<ToolCallWaiting>(w => w.Call.Name == "send_report", ct);
        Assert.Equal(ToolCallWaitReason.ResponseEnd, waiting.Reason);
        Assert.Empty(sends);
        Assert.False(first.HasEnded);

        await first.SendRestAsync(ct);
        RunCompleted completed = await run.CompletionAsync(ct);

        int ended = IndexOf<ResponseCompleted>(run.Events, _ => true);
        int started = IndexOf<ToolCallStarted>(run.Events, s => s.Call.Name == "send_report");
        Assert.True(ended < started, "The side-effecting call started before the response ended.");
        Assert.Equal(["ops"], sends);
        Assert.Equal(RunCompletionReason.FinalAnswer, completed.Reason);
        Conversation.AssertConsistent(completed.Messages);
    });

    private static int IndexOf<T>(IReadOnlyList<ToolPipelineEvent> events, Func<T, bool> predicate)
        where T : ToolPipelineEvent
    {
        for (int i = 0; i < events.Count; i++)
        {
            if (events[i] is T match && predicate(match))
            {
                return i;
            }
        }

        return -1;
    }

    private AIFunction Weather(params SseHttpResponse[] responses) => AIFunctionFactory.Create(
        (string city) =>
        {
            Record("get_weather", responses);
            return $"12 C, cloudy in {city}";
        },
        "get_weather",
        "The current weather in a city.");

    private AIFunction Time(params SseHttpResponse[] responses) => AIFunctionFactory.Create(
        (string zone) =>
        {
            Record("get_time", responses);
            return $"09:30 in {zone}";
        },
        "get_time",
        "The local time in a time zone.");

    /// <summary>Notes how much of the response that is still open the server had sent when the tool started.</summary>
    private void Record(string tool, SseHttpResponse[] responses)
    {
        SseHttpResponse open = responses.FirstOrDefault(r => !r.HasEnded) ?? responses[^1];
        _serverAtStart.TryAdd(tool, (open.Sent, open.StepCount, open.HasEnded));
    }
}
