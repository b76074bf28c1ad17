using System.Net;
using System.Text.Json;
using ToolFlow.Samples.ChatUi;
using Xunit.Abstractions;

namespace ToolFlow.Orleans.Tests.Cluster;

/// <summary>The node hosting a conversation dies between turns; the conversation goes on through another node.</summary>
[Collection(ProcessClusterCollection.Name)]
public sealed class NodeFailoverTests(ITestOutputHelper output)
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

            // The page reloads through the other front node (same cookies): its stream opens with the whole state.
            using ChatHttp second = await ChatHttp.OpenAsync(cluster.Nodes[1].ChatUri!, browser, ct);
            cluster.Step("page opened on node 1; reading the conversation's state there");
            ChatEvent snapshot = await FirstAsync(second.EventsAsync(id, null, ct));
            Assert.Equal("snapshot", snapshot.Type);
            Assert.Equal(lastSeen, snapshot.Id);
            Assert.False(snapshot.Data.GetProperty("running").GetBoolean());
            Assert.Equal(Transcript(before), Transcript(snapshot.Data));
            Assert.Equal(Calls(before), Calls(snapshot.Data));

            // An EventSource resumes with its Last-Event-ID there; the next turn runs from the stored transcript with ids going on.
            Task<List<ChatEvent>> resumed = second.ReadRunAsync(id, lastSeen, ct);
            cluster.Step("resumed; sending the second message");
            await second.SendAsync(id, "b2", ct);
            List<ChatEvent> turn2 = await resumed;
            cluster.Step($"second run read to id {turn2[^1].Id}");
            Assert.Equal("finalAnswer", turn2[^1].Data.GetProperty("reason").GetString());
            Assert.All(turn2, e => Assert.True(e.Id > lastSeen, $"event {e.Type} has id {e.Id}, not after {lastSeen}"));
            Assert.Contains(turn2, e => e.Type == "userMessage" && e.Data.GetProperty("text").GetString() == "b2");
            string answer = turn2[^1].Data.GetProperty("finalText").GetString()!;
            foreach (string call in Calls(before).Select(c => c.Split(' ')[0]))
            {
                Assert.Contains($"[{call}]", answer, StringComparison.Ordinal);
            }

            JsonElement after = await second.SnapshotAsync(id, ct);
            Assert.Equal([.. Transcript(before), "user b2", $"assistant {answer}"], Transcript(after));
            Assert.Equal(Calls(before), Calls(after));
        });
    }

    private static async Task<ChatEvent> FirstAsync(IAsyncEnumerable<ChatEvent> events)
    {
        await foreach (ChatEvent e in events)
        {
            return e;
        }

        throw new InvalidOperationException("The event stream ended before its first event.");
    }

    private static List<string> Transcript(JsonElement snapshot) =>
        [.. snapshot.GetProperty("messages").EnumerateArray().Select(m => $"{m.GetProperty("role").GetString()} {m.GetProperty("text").GetString()}")];

    private static List<string> Calls(JsonElement snapshot) =>
        [.. snapshot.GetProperty("calls").EnumerateArray().Select(c => $"{c.GetProperty("callId").GetString()} {c.GetProperty("name").GetString()} {c.GetProperty("state").GetString()}")];
}
