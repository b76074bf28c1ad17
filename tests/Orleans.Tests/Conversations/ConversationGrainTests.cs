using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ToolFlow.AspNetCore.Tests;
using ToolFlow.Pipeline;
using ToolFlow.Providers.Scripted;
using ToolFlow.WireTesting;

namespace ToolFlow.Orleans.Tests;

/// <summary>
/// The chat routes on three nodes over conversation grains: a conversation created through one node is streamed,
/// resumed and controlled through the others, with the wire of the local endpoints. Ordered by gates, never by time.
/// </summary>
public sealed class ConversationGrainTests(ConversationCluster cluster) : IClassFixture<ConversationCluster>
{
    private static ScriptedResponse OneCall(string tool = "slow") =>
        new ScriptedResponse().Text("Looking it up.").Call(tool, """{"q": "a"}""").Text(" One moment.");

    private static async Task<string> CreateAsync(HttpClient client, string scenario, CancellationToken ct, string message = "What is it?")
    {
        using HttpResponseMessage response = await client.PostAsJsonAsync("chat/conversations", new { message, settings = ConversationCluster.SettingsOf(scenario) }, ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        return body.RootElement.GetProperty("id").GetString()!;
    }

    [Fact]
    public Task Events_CreatedOnNode1StreamedOnNode2ResumedOnNode3_ReplayWithoutGapsOrRepeats() => TestGuard.RunAsync(async ct =>
    {
        ChatScenario scenario = ChatScenario.ByTurn(OneCall(), ChatScenario.Text("It is 42."));
        string key = ConversationCluster.Register(scenario);
        HttpClient[] alice = [.. cluster.Nodes.Select(n => n.Client("alice"))];

        string id = await CreateAsync(alice[0], key, ct);
        var first = await SseClient.ConnectAsync(alice[1], id, ct);
        SseMessage snapshot = await first.NextAsync(ct);
        Assert.Equal("snapshot", snapshot.Type);
        await first.WaitForQuietAsync(ct, ("call_t1_0", "running"));
        long seen = first.Received[^1].Id;
        await first.DisposeAsync();

        // Response headers come with the first event: the gate opens while connecting (the replay covers either order).
        Task<SseClient> connecting = SseClient.ConnectAsync(alice[2], id, ct, lastEventId: seen);
        scenario.Gate("slow").Open("the slow result");
        await using SseClient resumed = await connecting;
        await resumed.ReadUntilAsync("runCompleted", ct);

        // The replay starts right after the last id seen: no snapshot, no gap, nothing twice.
        Assert.NotEqual("snapshot", resumed.Received[0].Type);
        long[] ids = [.. first.Received.Skip(1).Concat(resumed.Received).Select(m => m.Id)];
        Assert.Equal(Enumerable.Range(0, ids.Length).Select(i => ids[0] + i), ids);
        Assert.Equal("It is 42.", resumed.Received[^1].Data.GetProperty("finalText").GetString());

        // Every node answers the same snapshot, the one the events fold to.
        JsonElement[] snapshots = [.. await Task.WhenAll(alice.Select(c => c.GetJsonAsync($"chat/conversations/{id}", ct)))];
        Assert.All(snapshots, s => Assert.Equal(resumed.Received[^1].Id, s.GetProperty("id").GetInt64()));
        Assert.All(snapshots, s => Assert.Equal("done", s.GetProperty("calls")[0].GetProperty("state").GetString()));
    });
}
