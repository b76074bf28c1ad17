using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Orleans.Runtime;
using Orleans.TestingHost;
using ToolFlow.AspNetCore.Tests;
using ToolFlow.Pipeline;
using ToolFlow.Providers.Scripted;
using ToolFlow.WireTesting;

namespace ToolFlow.Orleans.Tests;

/// <summary>
/// A conversation whose silo stops (between turns, or mid-turn) continues on another silo from its stored record and
/// ledger. Each test stops the silo its conversation lives on (never the first, which the others need), on its own
/// cluster so the other conversation tests keep three.
/// </summary>
public sealed class ConversationFailoverTests(ConversationCluster cluster) : IClassFixture<ConversationCluster>
{
    private static async Task<string> CreateAsync(HttpClient client, string scenario, string message, CancellationToken ct)
    {
        using HttpResponseMessage response = await client.PostAsJsonAsync("chat/conversations", new { message, settings = ConversationCluster.SettingsOf(scenario) }, ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        return body.RootElement.GetProperty("id").GetString()!;
    }

    // The silo a conversation's grain is active on, as the cluster's management reports it.
    private async Task<SiloAddress> SiloOfAsync(string id)
    {
        GrainId grain = cluster.Cluster.Client.GetGrain<IConversationGrain>(id).GetGrainId();
        DetailedGrainStatistic[] active = await cluster.Cluster.Client.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics();
        return Assert.Single(active, s => s.GrainId == grain).SiloAddress;
    }

    private static string Messages(JsonElement snapshot) => string.Join(" | ", snapshot.GetProperty("messages").EnumerateArray()
        .Select(m => $"{m.GetProperty("role").GetString()}@{m.GetProperty("turn").GetInt32()} {m.GetProperty("text").GetString()}"));

    [Fact]
    public Task PostMessage_SiloStoppedBetweenTurns_AnotherNodeContinuesFromTheStore() => TestGuard.RunAsync(async ct =>
    {
        string key = ConversationCluster.Register(ChatScenario.ByTurn(ChatScenario.Text("One."), ChatScenario.Text("Two.")));
        InProcessSiloHandle home = cluster.Cluster.Silos[1];
        string id = await CreateAsync(cluster.Nodes[1].Client("nora"), key, "First?", ct);
        long before;
        await using (SseClient sse = await SseClient.ConnectAsync(cluster.Nodes[1].Client("nora"), id, ct))
        {
            await sse.WaitForIdleAsync(ct);
            before = sse.Fold.LastId;
        }

        // Placed where it was created; its silo goes.
        Assert.Equal(home.SiloAddress, await SiloOfAsync(id));
        await cluster.Cluster.StopSiloAsync(home);

        HttpClient nora = cluster.Nodes[0].Client("nora");
        using HttpResponseMessage next = await nora.PostJsonAsync($"chat/conversations/{id}/messages", """{"message": "Second?"}""", ct);
        Assert.Equal(HttpStatusCode.Accepted, next.StatusCode);
        await using SseClient after = await SseClient.ConnectAsync(nora, id, ct, lastEventId: before);
        await after.WaitForIdleAsync(ct);

        Assert.NotEqual(home.SiloAddress, await SiloOfAsync(id));
        JsonElement snapshot = await nora.GetJsonAsync($"chat/conversations/{id}", ct);
        Assert.Equal("user@1 First? | assistant@1 One. | user@2 Second? | assistant@2 Two.", Messages(snapshot));
        Assert.True(snapshot.GetProperty("id").GetInt64() > before, "ids go on from the stored last id");
        Assert.Equal(2, (await (await cluster.LedgerOfAsync(id)).ListRunsAsync(ct)).Count);
    });

    [Fact]
    public Task Events_SiloStoppedMidTurn_TurnResumesElsewhereFromTheLedgerWithoutRunningCompletedCallsAgain() => TestGuard.RunAsync(async ct =>
    {
        ScriptedResponse first = new ScriptedResponse().Text("Two lookups.").Call("fast", """{"q": "a"}""").Call("slow", """{"q": "b"}""");
        ChatScenario scenario = ChatScenario.ByTurn(first, ChatScenario.Text("Both done."));
        var fastRecorded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        scenario.WrapLedger = ledger => new SignallingLedger(ledger, "call_t1_0", fastRecorded);
        string key = ConversationCluster.Register(scenario);
        InProcessSiloHandle home = cluster.Cluster.Silos[2];
        HttpClient there = cluster.Nodes[2].Client("olga");
        string id = await CreateAsync(there, key, "Look both up.", ct);
        long seen;
        await using (SseClient sse = await SseClient.ConnectAsync(there, id, ct))
        {
            scenario.Gate("fast").Open("fast result");
            await sse.WaitForQuietAsync(ct, ("call_t1_0", "done"), ("call_t1_1", "running"));
            seen = sse.Fold.LastId;
        }

        // The fast call's result is in the ledger; the slow one is under way when its silo stops.
        await fastRecorded.Task;
        Assert.Equal(home.SiloAddress, await SiloOfAsync(id));
        await cluster.Cluster.StopSiloAsync(home);

        HttpClient olga = cluster.Nodes[0].Client("olga");
        Task<SseClient> connecting = SseClient.ConnectAsync(olga, id, ct, lastEventId: seen);
        scenario.Gate("slow").Open("slow result");
        await using SseClient resumed = await connecting;
        await resumed.WaitForIdleAsync(ct);

        // The client's last id is unknown to the new activation: it starts from a snapshot, ids past the gap.
        Assert.Equal("snapshot", resumed.Received[0].Type);
        Assert.True(resumed.Received[0].Id > Math.Max(seen, ConversationGrain.IdGapAfterLostTurn), $"snapshot id {resumed.Received[0].Id} after {seen}");
        JsonElement snapshot = await olga.GetJsonAsync($"chat/conversations/{id}", ct);
        Assert.Equal("user@1 Look both up. | assistant@1 Two lookups. | assistant@2 Both done.", Messages(snapshot));
        Assert.Equal(["done", "done"], snapshot.GetProperty("calls").EnumerateArray().Select(c => c.GetProperty("state").GetString()));

        LedgerRun run = Assert.Single(await Task.WhenAll((await (await cluster.LedgerOfAsync(id)).ListRunsAsync(ct)).Select(async r => (await (await cluster.LedgerOfAsync(id)).ReadRunAsync(r.RunId, ct))!)));
        Assert.Equal(1, run.Run.Resumes);
        ToolCallLedgerEntry fast = run.Calls.Single(c => c.CallId == "call_t1_0");
        Assert.True(fast.Replayed, "the completed call was taken from the ledger");
        Assert.Single(fast.Attempts);
        Assert.Equal(ToolCallLedgerOutcome.Succeeded, run.Calls.Single(c => c.CallId == "call_t1_1").Outcome);
    });

    /// <summary>Tells the test when a call's success has been written to the conversation's ledger.</summary>
    private sealed class SignallingLedger(IToolCallLedger inner, string callId, TaskCompletionSource recorded) : IToolCallLedger
    {
        public async ValueTask WriteAsync(ToolCallLedgerBatch batch, CancellationToken cancellationToken)
        {
            await inner.WriteAsync(batch, cancellationToken);
            if (batch.Calls.Any(c => c.CallId == callId && c.Outcome == ToolCallLedgerOutcome.Succeeded))
            {
                recorded.TrySetResult();
            }
        }

        public ValueTask<IReadOnlyList<LedgerRunRecord>> ListRunsAsync(CancellationToken cancellationToken) => inner.ListRunsAsync(cancellationToken);

        public ValueTask<LedgerRun?> ReadRunAsync(string runId, CancellationToken cancellationToken) => inner.ReadRunAsync(runId, cancellationToken);
    }
}
