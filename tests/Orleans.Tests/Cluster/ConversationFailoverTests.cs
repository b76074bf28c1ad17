using System.Net;
using System.Text.Json;
using ToolFlow.Samples.ChatUi;
using Xunit.Abstractions;

namespace ToolFlow.Orleans.Tests.Cluster;

/// <summary>The node hosting a conversation dies between turns; the conversation goes on through another node.</summary>
public sealed class ConversationFailoverTests(ITestOutputHelper output)
{
    [Fact]
    public async Task KillConversationNode_BetweenTurns_ClientResumesThroughAnotherNodeWithTheFullState()
    {
        await using ProcessCluster cluster = await ProcessCluster.StartAsync(output, ChatUiNodeRoles.Front, ChatUiNodeRoles.Front, ChatUiNodeRoles.Worker);
        await cluster.RunAsync(async ct =>
        {
            // Tools run at once (nothing held); one browser's cookies, valid on every node.
            await cluster.Redis.GetDatabase().StringSetAsync("released", "1");
            var browser = new CookieContainer();
            using ChatHttp first = await ChatHttp.OpenAsync(cluster.Nodes[0].ChatUri!, browser, ct);
            cluster.Step("creating the conversation on node 0");
            string id = await first.CreateAsync("b1", new Dictionary<string, string> { ["scenario"] = "faults", ["calls"] = "2" }, ct);
            cluster.Step($"created {id}; reading its first run");
            List<ChatEvent> turn1 = await first.ReadRunAsync(id, null, ct);
            Assert.Equal("finalAnswer", turn1[^1].Data.GetProperty("reason").GetString());
            long lastSeen = turn1[^1].Id;
            JsonElement before = await first.SnapshotAsync(id, ct);

            // The conversation's grain lives on the node that took its create (node 0): kill it between turns.
            cluster.Step($"first run read to id {lastSeen}; killing node 0");
            await cluster.KillAsync(cluster.Nodes[0]);
            await cluster.Cluster.WaitForActiveMembersAsync(2, ct);
            cluster.Step("two members left; reconnecting through node 1");

            // The client reconnects through the other front node with its Last-Event-ID and sees the whole state.
            using ChatHttp second = await ChatHttp.OpenAsync(cluster.Nodes[1].ChatUri!, browser, ct);
            List<ChatEvent> resumed = await second.ReadRunAsync(id, lastSeen, ct);
            ChatEvent snapshot = Assert.Single(resumed);
            Assert.Equal("snapshot", snapshot.Type);
            Assert.True(snapshot.Id >= lastSeen, $"ids went back: {snapshot.Id} after {lastSeen}");
            Assert.Equal(Transcript(before), Transcript(snapshot.Data));
            Assert.Equal(Calls(before), Calls(snapshot.Data));

            // The next turn runs on the surviving nodes, from the stored transcript, with ids going on.
            cluster.Step("resumed; sending the second message");
            await second.SendAsync(id, "b2", ct);
            List<ChatEvent> turn2 = await second.ReadRunAsync(id, snapshot.Id, ct);
            Assert.Equal("finalAnswer", turn2[^1].Data.GetProperty("reason").GetString());
            Assert.All(turn2, e => Assert.True(e.Id > lastSeen, $"event {e.Type} has id {e.Id}, not after {lastSeen}"));
            string answer = turn2[^1].Data.GetProperty("finalText").GetString()!;
            foreach (string call in Calls(before).Select(c => c.Split(' ')[0]))
            {
                Assert.Contains($"[{call}]", answer, StringComparison.Ordinal);
            }

            JsonElement after = await second.SnapshotAsync(id, ct);
            Assert.Equal([.. Transcript(before), "user b2", $"assistant {answer}"], Transcript(after).Where(m => !m.StartsWith("assistant Working", StringComparison.Ordinal) || Transcript(before).Contains(m)));
        });
    }

    private static List<string> Transcript(JsonElement snapshot) =>
        [.. snapshot.GetProperty("messages").EnumerateArray().Select(m => $"{m.GetProperty("role").GetString()} {m.GetProperty("text").GetString()}")];

    private static List<string> Calls(JsonElement snapshot) =>
        [.. snapshot.GetProperty("calls").EnumerateArray().Select(c => $"{c.GetProperty("callId").GetString()} {c.GetProperty("name").GetString()} {c.GetProperty("state").GetString()}")];
}
