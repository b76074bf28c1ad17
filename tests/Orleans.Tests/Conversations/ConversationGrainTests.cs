using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Orleans.Core.Internal;
using Orleans.Runtime;
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

    [Fact]
    public Task Controls_ThroughNodesOtherThanTheGrains_ApplyAsLocally() => TestGuard.RunAsync(async ct =>
    {
        ScriptedResponse first = new ScriptedResponse().Text("Paying and asking.").Call("charge", """{"q": "10 EUR"}""").Call("other", """{"q": "send"}""").Call("slow", """{"q": "a"}""");
        ChatScenario scenario = ChatScenario.ByTurn(first, ChatScenario.Text("Charged, not sent."));
        scenario.NeedApproval.UnionWith(["charge", "other"]);
        string key = ConversationCluster.Register(scenario);
        HttpClient[] frank = [.. cluster.Nodes.Select(n => n.Client("frank"))];
        string id = await CreateAsync(frank[0], key, ct);
        await using SseClient sse = await SseClient.ConnectAsync(frank[1], id, ct);
        await sse.WaitForCallAsync("call_t1_0", "awaitingApproval", ct);
        await sse.WaitForCallAsync("call_t1_1", "awaitingApproval", ct);
        await scenario.Gate("slow").Started;
        string Path(string call, string action) => $"chat/conversations/{id}/calls/{call}/{action}";

        using HttpResponseMessage approved = await frank[2].PostAsync(Path("call_t1_0", "approve"), null, ct);
        Assert.Equal("""{"result":"applied"}""", await approved.Content.ReadAsStringAsync(ct));
        using HttpResponseMessage approvedTwice = await frank[1].PostAsync(Path("call_t1_0", "approve"), null, ct);
        await approvedTwice.AssertProblemAsync(409, "already_approved");
        using HttpResponseMessage denied = await frank[2].PostJsonAsync(Path("call_t1_1", "deny"), """{"reason": "not now"}""", ct);
        Assert.Equal(HttpStatusCode.OK, denied.StatusCode);
        using HttpResponseMessage notWaiting = await frank[1].PostAsync(Path("call_t1_2", "approve"), null, ct);
        await notWaiting.AssertProblemAsync(409, "not_awaiting_approval");
        using HttpResponseMessage unknown = await frank[2].PostAsync(Path("call_t7_7", "cancel"), null, ct);
        await unknown.AssertProblemAsync(404, "call_not_found");
        using HttpResponseMessage branch = await frank[1].PostAsync(Path("call_t1_2", "cancel-branch"), null, ct);
        Assert.Equal("""{"result":"applied","cancelled":1}""", await branch.Content.ReadAsStringAsync(ct));

        await sse.WaitForCallAsync("call_t1_1", "denied", ct);
        await sse.WaitForCallAsync("call_t1_2", "cancelled", ct);
        await scenario.Gate("charge").Started;
        scenario.Gate("charge").Open("charged");
        await sse.WaitForIdleAsync(ct);
        Assert.Equal([("call_t1_0", "done"), ("call_t1_1", "denied"), ("call_t1_2", "cancelled")], sse.Fold.Calls.Select(c => (c.Key, c.Value)));
        using HttpResponseMessage noTurn = await frank[2].PostAsync($"chat/conversations/{id}/cancel", null, ct);
        await noTurn.AssertProblemAsync(409, "no_turn_running");
    });

    [Fact]
    public Task CancelTurn_ThroughAnotherNode_TheRunEndsCancelled() => TestGuard.RunAsync(async ct =>
    {
        ChatScenario scenario = ChatScenario.ByTurn(OneCall(), ChatScenario.Text("Never."));
        string key = ConversationCluster.Register(scenario);
        HttpClient[] gina = [.. cluster.Nodes.Select(n => n.Client("gina"))];
        string id = await CreateAsync(gina[1], key, ct);
        await using SseClient sse = await SseClient.ConnectAsync(gina[0], id, ct);
        await sse.WaitForQuietAsync(ct, ("call_t1_0", "running"));

        using HttpResponseMessage busy = await gina[2].PostJsonAsync($"chat/conversations/{id}/messages", """{"message": "And?"}""", ct);
        await busy.AssertProblemAsync(409, "turn_running");
        using HttpResponseMessage cancelled = await gina[2].PostAsync($"chat/conversations/{id}/cancel", null, ct);
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);

        SseMessage completed = await sse.ReadUntilAsync("runCompleted", ct);
        Assert.Equal("turnCancelled", completed.Data.GetProperty("reason").GetString());
        Assert.Equal("cancelled", sse.Fold.Calls["call_t1_0"]);
    });

    [Fact]
    public Task Routes_AnotherOwnerOrNobodyOnAnyNode_NotFoundOrUnauthenticated() => TestGuard.RunAsync(async ct =>
    {
        string key = ConversationCluster.Register(ChatScenario.ByTurn(ChatScenario.Text("Mine.")));
        string id = await CreateAsync(cluster.Nodes[0].Client("hana"), key, ct);
        foreach (ChatTestHost node in cluster.Nodes)
        {
            HttpClient ivan = node.Client("ivan");
            using HttpResponseMessage get = await ivan.GetAsync($"chat/conversations/{id}", ct);
            await get.AssertProblemAsync(404, "conversation_not_found");
            using HttpResponseMessage events = await ivan.GetAsync($"chat/conversations/{id}/events", HttpCompletionOption.ResponseHeadersRead, ct);
            await events.AssertProblemAsync(404, "conversation_not_found");
            using HttpResponseMessage message = await ivan.PostJsonAsync($"chat/conversations/{id}/messages", """{"message": "Hello"}""", ct);
            await message.AssertProblemAsync(404, "conversation_not_found");
            using HttpResponseMessage delete = await ivan.DeleteAsync($"chat/conversations/{id}", ct);
            await delete.AssertProblemAsync(404, "conversation_not_found");
            using HttpResponseMessage nobody = await node.Client(user: null).GetAsync($"chat/conversations/{id}", ct);
            await nobody.AssertProblemAsync(401, "unauthenticated");
        }

        JsonElement snapshot = await cluster.Nodes[2].Client("hana").GetJsonAsync($"chat/conversations/{id}", ct);
        Assert.Equal(id, snapshot.GetProperty("conversationId").GetString());
    });

    [Fact]
    public Task Create_OwnerAtMaxConversationsAcrossNodes_TooManyUntilOneIsDeleted() => TestGuard.RunAsync(async ct =>
    {
        string key = ConversationCluster.Register(ChatScenario.ByTurn(ChatScenario.Text("Hi."), ChatScenario.Text("Hi."), ChatScenario.Text("Hi.")));
        HttpClient[] judy = [.. cluster.Nodes.Select(n => n.Client("judy"))];
        string first = await CreateAsync(judy[0], key, ct);
        await CreateAsync(judy[1], key, ct);

        using HttpResponseMessage third = await judy[2].PostAsJsonAsync("chat/conversations", new { message = "Hi", settings = ConversationCluster.SettingsOf(key) }, ct);
        await third.AssertProblemAsync(429, "too_many_conversations");
        using HttpResponseMessage deleted = await judy[2].DeleteAsync($"chat/conversations/{first}", ct);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using HttpResponseMessage gone = await judy[1].GetAsync($"chat/conversations/{first}", ct);
        await gone.AssertProblemAsync(404, "conversation_not_found");
        await CreateAsync(judy[2], key, ct);
        Assert.Equal(2, await cluster.Cluster.Client.GetGrain<IConversationOwnerGrain>("judy").CountAsync(ct));
    });

    [Fact]
    public Task Create_SettingsTheSilosFactoryRefuses_InvalidSettingsAndNothingKept() => TestGuard.RunAsync(async ct =>
    {
        using HttpResponseMessage refused = await cluster.Nodes[1].Client("kim").PostAsJsonAsync("chat/conversations", new { message = "Hi", settings = ConversationCluster.SettingsOf("no-such-scenario") }, ct);
        await refused.AssertProblemAsync(400, "invalid_settings");
        Assert.Equal(0, await cluster.Cluster.Client.GetGrain<IConversationOwnerGrain>("kim").CountAsync(ct));
    });

    [Fact]
    public Task Events_MoreStreamsThanTheLimitAcrossNodes_TooManyStreams() => TestGuard.RunAsync(async ct =>
    {
        string key = ConversationCluster.Register(ChatScenario.ByTurn(ChatScenario.Text("Hi.")));
        HttpClient[] lena = [.. cluster.Nodes.Select(n => n.Client("lena"))];
        string id = await CreateAsync(lena[0], key, ct);
        await using SseClient one = await SseClient.ConnectAsync(lena[0], id, ct);
        await using SseClient two = await SseClient.ConnectAsync(lena[1], id, ct);
        Assert.Equal("snapshot", (await two.NextAsync(ct)).Type);

        using HttpResponseMessage third = await lena[2].GetAsync($"chat/conversations/{id}/events", HttpCompletionOption.ResponseHeadersRead, ct);
        await third.AssertProblemAsync(429, "too_many_streams");
    });

    [Fact]
    public Task PostMessage_GrainDeactivatedBetweenTurns_NextTurnThroughAnotherNodeContinuesTranscriptIdsAndLedger() => TestGuard.RunAsync(async ct =>
    {
        string key = ConversationCluster.Register(ChatScenario.ByTurn(ChatScenario.Text("One."), ChatScenario.Text("Two.")));
        HttpClient[] max = [.. cluster.Nodes.Select(n => n.Client("max"))];
        string id = await CreateAsync(max[0], key, ct, message: "First?");
        long before;
        await using (SseClient sse = await SseClient.ConnectAsync(max[1], id, ct))
        {
            await sse.WaitForIdleAsync(ct);
            before = sse.Fold.LastId;
        }

        // Every idle activation goes: the conversation is read back from storage by the next request.
        await cluster.Cluster.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        using HttpResponseMessage next = await max[2].PostJsonAsync($"chat/conversations/{id}/messages", """{"message": "Second?"}""", ct);
        Assert.Equal(HttpStatusCode.Accepted, next.StatusCode);
        await using SseClient after = await SseClient.ConnectAsync(max[1], id, ct, lastEventId: before);
        await after.WaitForIdleAsync(ct);

        JsonElement snapshot = await max[0].GetJsonAsync($"chat/conversations/{id}", ct);
        Assert.Equal(
            ["user@1 First?", "assistant@1 One.", "user@2 Second?", "assistant@2 Two."],
            snapshot.GetProperty("messages").EnumerateArray().Select(m => $"{m.GetProperty("role").GetString()}@{m.GetProperty("turn").GetInt32()} {m.GetProperty("text").GetString()}"));
        Assert.True(snapshot.GetProperty("id").GetInt64() > before, "ids go on from the stored last id");
        IReadOnlyList<LedgerRunRecord> runs = await (await cluster.LedgerOfAsync(id)).ListRunsAsync(ct);
        Assert.Equal(2, runs.Count);
        Assert.All(runs, r => Assert.Equal(("FinalAnswer", id), (r.Completion, r.ConversationId)));
    });

    [Fact]
    public Task Recover_GrainDeactivatedMidTurnWithoutItsRunInTheLedger_TurnLostAndTheConversationGoesOn() => TestGuard.RunAsync(async ct =>
    {
        var scenario = new ChatScenario(messages => messages[^1].Text == "Second?" ? ChatScenario.Text("Fine.") : OneCall());
        scenario.WrapLedger = _ => new DroppingLedger();
        string key = ConversationCluster.Register(scenario);
        HttpClient[] nina = [.. cluster.Nodes.Select(n => n.Client("nina"))];
        string id = await CreateAsync(nina[0], key, ct, message: "First?");
        await using (SseClient sse = await SseClient.ConnectAsync(nina[1], id, ct))
        {
            await sse.WaitForQuietAsync(ct, ("call_t1_0", "running"));
        }

        // The activation goes with its turn under way, as when its node is lost; its pipeline recorded nothing to resume.
        await cluster.Cluster.Client.GetGrain<IConversationGrain>(id).AsReference<IGrainManagementExtension>().DeactivateOnIdle();
        JsonElement lost = await nina[2].GetJsonAsync($"chat/conversations/{id}", ct);
        Assert.False(lost.GetProperty("running").GetBoolean());
        long last = lost.GetProperty("id").GetInt64();
        Assert.True(last > ConversationGrain.IdGapAfterLostTurn, $"ids go on past the gap: {last}");

        // What the new activation told clients: the turn was lost, its calls the store knew of ended, the run ended.
        JsonElement[] calls = [.. lost.GetProperty("calls").EnumerateArray()];
        Assert.All(calls, c => Assert.Equal("cancelled", c.GetProperty("state").GetString()));
        await using (SseClient told = await SseClient.ConnectAsync(nina[2], id, ct, lastEventId: last - 2 - calls.Length))
        {
            SseMessage diagnostic = await told.NextAsync(ct);
            Assert.Equal(("diagnosticReported", "turn_lost"), (diagnostic.Type, diagnostic.Data.GetProperty("code").GetString()));
            SseMessage completed = await told.ReadUntilAsync("runCompleted", ct);
            Assert.Equal(("faulted", last), (completed.Data.GetProperty("reason").GetString(), completed.Id));
        }

        using HttpResponseMessage next = await nina[1].PostJsonAsync($"chat/conversations/{id}/messages", """{"message": "Second?"}""", ct);
        Assert.Equal(HttpStatusCode.Accepted, next.StatusCode);
        await using SseClient after = await SseClient.ConnectAsync(nina[0], id, ct, lastEventId: last);
        await after.WaitForIdleAsync(ct);
        JsonElement snapshot = await nina[0].GetJsonAsync($"chat/conversations/{id}", ct);
        Assert.Equal(
            ["user@1 First?", "user@2 Second?", "assistant@2 Fine."],
            snapshot.GetProperty("messages").EnumerateArray().Select(m => $"{m.GetProperty("role").GetString()}@{m.GetProperty("turn").GetInt32()} {m.GetProperty("text").GetString()}"));
    });

    [Fact]
    public Task Delete_ThroughAnotherNode_EndsStreamsOnEveryNodeAndForgetsTheConversation() => TestGuard.RunAsync(async ct =>
    {
        string key = ConversationCluster.Register(ChatScenario.ByTurn(OneCall(), ChatScenario.Text("Never.")));
        HttpClient[] omar = [.. cluster.Nodes.Select(n => n.Client("omar"))];
        string id = await CreateAsync(omar[0], key, ct);
        await using SseClient sse = await SseClient.ConnectAsync(omar[1], id, ct);
        await sse.WaitForQuietAsync(ct, ("call_t1_0", "running"));

        using HttpResponseMessage deleted = await omar[2].DeleteAsync($"chat/conversations/{id}", ct);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);

        // The stream on node 1 ends: reading past what was sent finds its end.
        Exception ended = await Assert.ThrowsAnyAsync<Exception>(() => sse.ReadUntilAsync("runCompleted", ct));
        Assert.Contains("the stream ended", ended.Message, StringComparison.Ordinal);
        foreach (HttpClient client in omar)
        {
            using HttpResponseMessage gone = await client.GetAsync($"chat/conversations/{id}", ct);
            await gone.AssertProblemAsync(404, "conversation_not_found");
        }

        Assert.Equal(0, await cluster.Cluster.Client.GetGrain<IConversationOwnerGrain>("omar").CountAsync(ct));
    });

    /// <summary>A ledger that keeps nothing: a pipeline whose runs cannot be resumed.</summary>
    private sealed class DroppingLedger : IToolCallLedger
    {
        public ValueTask WriteAsync(ToolCallLedgerBatch batch, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask<IReadOnlyList<LedgerRunRecord>> ListRunsAsync(CancellationToken cancellationToken) => new([]);

        public ValueTask<LedgerRun?> ReadRunAsync(string runId, CancellationToken cancellationToken) => new((LedgerRun?)null);
    }
}
