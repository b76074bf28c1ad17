using System.Net.ServerSentEvents;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ToolFlow.Providers.Scripted;
using ToolFlow.WireTesting;

namespace ToolFlow.AspNetCore.Tests;

/// <summary>
/// The hub's fan-out: a subscriber that stops reading loses its buffer, never holds up the run or the others, and
/// resyncs with <c>lagged</c> and a snapshot. The stalled subscriber is the endpoint's own stream, enumerated by the
/// test and left unread, so the stall is exact rather than up to socket buffers.
/// </summary>
public sealed class ConversationHubTests
{
    private static ScriptedResponse OneCall() => new ScriptedResponse().Text("Looking it up.").Call("slow", """{"q": "a"}""").Text(" One moment.");

    private static SseMessage Parse(SseItem<string> item)
    {
        JsonElement data = JsonDocument.Parse(item.Data).RootElement.Clone();
        return new SseMessage(long.Parse(item.EventId!, System.Globalization.CultureInfo.InvariantCulture), item.EventType, data);
    }

    [Fact]
    public Task Stream_StalledSubscriberWithATinyBuffer_LaggedThenSnapshotWhileAnotherGetsEveryEventAndTheRunFinishes() => TestGuard.RunAsync(async ct =>
    {
        ChatScenario scenario = ChatScenario.ByTurn(OneCall(), ChatScenario.Text("It is 42."), ChatScenario.Text("Again 42."));
        await using ChatTestHost host = await ChatTestHost.StartAsync(scenario.Create);
        HttpClient alice = host.Client();
        string id = await alice.CreateAsync("Go", ct);
        await using SseClient reader = await SseClient.ConnectAsync(alice, id, ct);
        await reader.WaitForQuietAsync(ct, ("call_t1_0", "running"));
        ConversationHub hub = (await host.Services.GetRequiredService<ConversationHubs>().FindAsync(id, "alice", ct))!;

        using var stop = new CancellationTokenSource();
        await using IAsyncEnumerator<SseItem<string>> stalled = ChatEndpoints.StreamAsync(hub, hub.Subscribe(null, bufferCapacity: 2, maxSubscribers: 10, out _)!, stop.Token).GetAsyncEnumerator(ct);
        Assert.True(await stalled.MoveNextAsync());
        SseMessage first = Parse(stalled.Current);
        Assert.Equal(("snapshot", reader.Fold.LastId), (first.Type, first.Id));

        // The stalled subscriber reads nothing while the run finishes; the reader gets every event.
        scenario.Gate("slow").Open("slow result");
        SseMessage completed = await reader.ReadUntilAsync("runCompleted", ct);
        long[] ids = [.. reader.Received.Select(m => m.Id)];
        Assert.Equal(Enumerable.Range(0, ids.Length).Select(i => ids[0] + i), ids);
        Assert.True(completed.Id - first.Id > 2, "more events than the stalled buffer holds");

        // Reading again: what it missed, then the state it resumes from, then live events.
        Assert.True(await stalled.MoveNextAsync());
        SseMessage lagged = Parse(stalled.Current);
        Assert.Equal(("lagged", completed.Id, completed.Id - first.Id), (lagged.Type, lagged.Id, lagged.Data.GetProperty("skipped").GetInt64()));
        Assert.True(await stalled.MoveNextAsync());
        SseMessage snapshot = Parse(stalled.Current);
        Assert.Equal(("snapshot", completed.Id), (snapshot.Type, snapshot.Id));
        Assert.Equal(reader.Fold.ToString(), WireFold.OfSnapshot(snapshot.Data).ToString());

        ValueTask<bool> next = stalled.MoveNextAsync();
        Assert.False(next.IsCompleted);
        using HttpResponseMessage accepted = await alice.PostJsonAsync($"chat/conversations/{id}/messages", """{"message": "Again?"}""", ct);
        Assert.True(await next);

        // It takes events again: the next turn's first, unless its tiny buffer overflowed once more before it read.
        SseMessage resumed = Parse(stalled.Current);
        Assert.True(resumed is { Type: "userMessage" } ? resumed.Id == completed.Id + 1 : resumed.Type == "lagged", resumed.ToString());
        await reader.WaitForIdleAsync(ct);
        await stop.CancelAsync();
    });

    [Fact]
    public Task Events_ClientBufferOfOne_EveryClientsViewEndsEqualToTheSnapshot() => TestGuard.RunAsync(async ct =>
    {
        ScriptedResponse chatty = new ScriptedResponse().Text(string.Concat(Enumerable.Repeat("Many small words arrive here. ", 40))).Call("slow", """{"q": "a"}""");
        ChatScenario scenario = ChatScenario.ByTurn(chatty, ChatScenario.Text(string.Concat(Enumerable.Repeat("And more words. ", 40))));
        await using ChatTestHost host = await ChatTestHost.StartAsync(scenario.Create, o => o.ClientBufferCapacity = 1);
        HttpClient alice = host.Client();
        string id = await alice.CreateAsync("Go", ct);
        await using SseClient early = await SseClient.ConnectAsync(alice, id, ct);
        await scenario.Gate("slow").Started;
        await using SseClient late = await SseClient.ConnectAsync(alice, id, ct);
        scenario.Gate("slow").Open("done");

        // Whether or not a client fell behind, it ends with the conversation's state; a lagged is always followed by its snapshot.
        string final = string.Empty;
        foreach (SseClient client in new[] { early, late })
        {
            await client.WaitForIdleAsync(ct);
            final = WireFold.OfSnapshot(await alice.GetJsonAsync($"chat/conversations/{id}", ct)).ToString();
            Assert.Equal(final, client.Fold.ToString());
            for (int i = 0; i < client.Received.Count; i++)
            {
                if (client.Received[i].Type == "lagged")
                {
                    Assert.Equal(("snapshot", client.Received[i].Id), (client.Received[i + 1].Type, client.Received[i + 1].Id));
                }
            }
        }

        Assert.Contains("call_t1_0=done", final, StringComparison.Ordinal);
    });

    [Fact]
    public Task Retire_RunSavedAndNoClient_HubLetGoAndTheConversationComesBackFromTheStore() => TestGuard.RunAsync(async ct =>
    {
        ChatScenario scenario = ChatScenario.ByTurn(OneCall(), ChatScenario.Text("It is 42."), ChatScenario.Text("Still 42."));
        await using ChatTestHost host = await ChatTestHost.StartAsync(scenario.Create);
        ConversationHubs hubs = host.Services.GetRequiredService<ConversationHubs>();
        HttpClient alice = host.Client();
        string id = await alice.CreateAsync("Go", ct);
        await scenario.Gate("slow").Started;
        ConversationHub hub = (await hubs.FindAsync(id, "alice", ct))!;

        scenario.Gate("slow").Open("slow result");
        await hub.Consuming;
        Assert.True(hub.IsRetired);
        Assert.Equal(0, hubs.Count);

        // The next request loads it again, as it was saved; ids go on.
        JsonElement snapshot = await alice.GetJsonAsync($"chat/conversations/{id}", ct);
        Assert.False(snapshot.GetProperty("running").GetBoolean());
        Assert.Equal(1, hubs.Count);
        await using SseClient sse = await SseClient.ConnectAsync(alice, id, ct);
        Assert.Equal(snapshot.GetProperty("id").GetInt64(), (await sse.NextAsync(ct)).Id);
        using HttpResponseMessage accepted = await alice.PostJsonAsync($"chat/conversations/{id}/messages", """{"message": "Again?"}""", ct);
        Assert.Equal(snapshot.GetProperty("id").GetInt64() + 1, (await sse.ReadUntilAsync("userMessage", ct)).Id);
        Assert.Equal("Still 42.", (await sse.ReadUntilAsync("runCompleted", ct)).Data.GetProperty("finalText").GetString());
        Assert.Equal(WireFold.OfSnapshot(await alice.GetJsonAsync($"chat/conversations/{id}", ct)).ToString(), sse.Fold.ToString());
    });

    [Fact]
    public Task ControlAndDelete_CallOfAnEarlierRunThenDeleteWhileRunning_CallEndedAndTheConversationStaysGone() => TestGuard.RunAsync(async ct =>
    {
        ScriptedResponse second = new ScriptedResponse().Text("Once more.").Call("fast", """{"q": "b"}""");
        ChatScenario scenario = ChatScenario.ByTurn(OneCall(), ChatScenario.Text("It is 42."), second, ChatScenario.Text("Never."));
        await using ChatSession session = await ChatSession.StartAsync(scenario, ct);
        scenario.Gate("slow").Open("slow result");
        await session.Events.WaitForIdleAsync(ct);

        using HttpResponseMessage accepted = await session.PostAsync("messages", ct, """{"message": "Again"}""");
        await scenario.Gate("fast").Started;
        using HttpResponseMessage earlier = await session.PostAsync("calls/call_t1_0/cancel", ct);
        await earlier.AssertProblemAsync(409, "call_ended");
        using HttpResponseMessage earlierBranch = await session.PostAsync("calls/call_t1_0/cancel-branch", ct);
        await earlierBranch.AssertProblemAsync(409, "call_ended");
        using HttpResponseMessage earlierApproval = await session.PostAsync("calls/call_t1_0/approve", ct);
        await earlierApproval.AssertProblemAsync(409, "call_ended");

        // Deleting stops the run; its end must not write the conversation back.
        ConversationHub hub = (await session.Host.Services.GetRequiredService<ConversationHubs>().FindAsync(session.Id, "alice", ct))!;
        using HttpResponseMessage deleted = await session.Alice.DeleteAsync(session.Path, ct);
        Assert.Equal(System.Net.HttpStatusCode.NoContent, deleted.StatusCode);
        await hub.Consuming;
        Assert.Null(await session.Host.Store().GetAsync(session.Id, ct));
        using HttpResponseMessage gone = await session.Alice.GetAsync(session.Path, ct);
        await gone.AssertProblemAsync(404, "conversation_not_found");
    });
}
