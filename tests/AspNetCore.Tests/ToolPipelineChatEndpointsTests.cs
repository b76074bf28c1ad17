using System.Text.Json;
using ToolFlow.Providers.Scripted;
using ToolFlow.WireTesting;

namespace ToolFlow.AspNetCore.Tests;

/// <summary>The chat routes over real HTTP: Kestrel on loopback, HttpClient and the framework's SSE parser.</summary>
public sealed class ToolPipelineChatEndpointsTests
{
    private static ScriptedResponse OneCall(string tool = "slow") =>
        new ScriptedResponse().Text("Looking it up.").Call(tool, """{"q": "a"}""").Text(" One moment.");

    [Fact]
    public Task Events_NoLastEventId_SnapshotThenEveryLaterEventWithConsecutiveIds() => TestGuard.RunAsync(async ct =>
    {
        ChatScenario scenario = ChatScenario.ByTurn(OneCall(), ChatScenario.Text("It is 42."));
        await using ChatTestHost host = await ChatTestHost.StartAsync(scenario.Create);
        HttpClient alice = host.Client();

        string id = await alice.CreateAsync("What is it?", ct);
        await using SseClient sse = await SseClient.ConnectAsync(alice, id, ct);
        SseMessage snapshot = await sse.NextAsync(ct);
        Assert.Equal("snapshot", snapshot.Type);
        Assert.Equal(id, snapshot.Data.GetProperty("conversationId").GetString());

        // The tool holds the run: the stream is live while the call runs, and so is the snapshot route.
        await scenario.Gate("slow").Started;
        JsonElement running = await alice.GetJsonAsync($"chat/conversations/{id}", ct);
        Assert.True(running.GetProperty("running").GetBoolean());
        Assert.Equal("running", running.GetProperty("calls")[0].GetProperty("state").GetString());
        Assert.Equal("slow", running.GetProperty("calls")[0].GetProperty("name").GetString());

        scenario.Gate("slow").Open("the slow result");
        await sse.ReadUntilAsync("runCompleted", ct);

        long[] ids = [.. sse.Received.Select(m => m.Id)];
        Assert.Equal(Enumerable.Range((int)ids[0], ids.Length).Select(i => (long)i), ids);
        Assert.Contains(sse.Received, m => m.Type == "toolCallCompleted" && m.Data.GetProperty("resultPreview").GetString() == "the slow result");
        Assert.Equal("It is 42.", sse.Received[^1].Data.GetProperty("finalText").GetString());

        JsonElement done = await alice.GetJsonAsync($"chat/conversations/{id}", ct);
        Assert.False(done.GetProperty("running").GetBoolean());
        Assert.Equal(sse.Received[^1].Id, done.GetProperty("id").GetInt64());
        Assert.Equal("done", done.GetProperty("calls")[0].GetProperty("state").GetString());
        Assert.Equal(
            [("user", 1, "What is it?"), ("assistant", 1, "Looking it up. One moment."), ("assistant", 2, "It is 42.")],
            done.GetProperty("messages").EnumerateArray().Select(m => (m.GetProperty("role").GetString(), m.GetProperty("turn").GetInt32(), m.GetProperty("text").GetString())));
    });
}
