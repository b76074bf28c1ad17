using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using StackExchange.Redis;
using ToolFlow.Samples.ChatUi;
using Xunit.Abstractions;

namespace ToolFlow.Orleans.Tests.Cluster;

/// <summary>A worker node dies (kill -9, or hangs) with calls of ten conversations under way on it.</summary>
[Collection(ProcessClusterCollection.Name)]
public sealed class WorkerFaultTests(ITestOutputHelper output)
{
    private const int Conversations = 10;
    private const int CallsPerConversation = 10;

    [Fact]
    public async Task KillWorker_HundredCallsInTenConversations_ReadOnlyOnceSideEffectsAtMostOnceAllAnswer()
    {
        await using ProcessCluster cluster = await ProcessCluster.StartAsync(output, ChatUiNodeRoles.Front, ChatUiNodeRoles.Worker, ChatUiNodeRoles.Worker);
        await cluster.RunAsync(async ct =>
        {
            Started started = await Started.SubscribeAsync(cluster.Redis);
            using ChatHttp front = await ChatHttp.OpenAsync(cluster.Nodes[0].ChatUri!, new CookieContainer(), ct);
            var runs = new List<(string Id, string Tag, Task<List<ChatEvent>> Events)>();
            for (int c = 0; c < Conversations; c++)
            {
                string tag = $"c{c}";
                string id = await front.CreateAsync(tag, new Dictionary<string, string> { ["scenario"] = "faults" }, ct);
                runs.Add((id, tag, front.ReadRunAsync(id, null, ct)));
            }

            // Every body is under way (each holds until released): kill the worker running the most of them.
            await started.WaitForAsync(Conversations * CallsPerConversation, ct);
            LocalClusterNode victim = cluster.Nodes.Skip(1).MaxBy(n => started.On(n.SiloPort).Count)!;
            HashSet<string> lost = started.On(victim.SiloPort);
            Assert.NotEmpty(lost);
            long killedAt = TimeProvider.System.GetTimestamp();
            await cluster.KillAsync(victim);
            await Started.ReleaseAsync(cluster.Redis);
            await cluster.Cluster.WaitForActiveMembersAsync(2, ct);
            cluster.Step($"{victim} killed; declared dead after {TimeProvider.System.GetElapsedTime(killedAt).TotalMilliseconds:F0} ms");

            IDatabase db = cluster.Redis.GetDatabase();
            await Task.WhenAll(runs.Select(r => r.Events));
            cluster.Step($"runs read: {lost.Count} bodies were under way on the killed node; event streams reopened {front.Reconnects} times");
            foreach ((string id, string tag, Task<List<ChatEvent>> events) in runs)
            {
                List<ChatEvent> seen = await events;
                AssertAnswered(seen);
                Dictionary<string, ChatEvent> outcomes = Outcomes(seen);
                Dictionary<string, string> keys = KeysOf(await front.SnapshotAsync(id, ct));
                Assert.Equal(CallsPerConversation, outcomes.Count);
                Assert.Equal(CallsPerConversation, keys.Count);
                string answer = seen[^1].Data.GetProperty("finalText").GetString()!;
                foreach ((string callId, ChatEvent outcome) in outcomes)
                {
                    // One result per call in the history the model was sent.
                    Assert.Equal(1, Count(answer, $"[{callId}]"));
                    string name = outcome.Data.GetProperty("name").GetString()!;
                    string key = keys[callId];
                    long bodies = (long)await db.StringGetAsync($"runs:{key}");
                    if (name == "lookup")
                    {
                        // Safe to repeat: run again elsewhere when its node was lost.
                        Assert.Equal("toolCallCompleted", outcome.Type);
                        Assert.True(bodies >= (lost.Contains(key) ? 2 : 1), $"{key}: {bodies} runs");
                    }
                    else if (name == "charge")
                    {
                        // Honours idempotency keys: run again elsewhere under the same key, its effect applied once.
                        Assert.Equal("toolCallCompleted", outcome.Type);
                        Assert.True(bodies >= (lost.Contains(key) ? 2 : 1), $"{key}: {bodies} runs");
                        Assert.Single(await db.SetMembersAsync($"keys:{key}"));
                        Assert.Equal(1, (long)await db.StringGetAsync($"effects:{key}"));
                    }
                    else
                    {
                        // A side effect never runs twice; one lost with its node is reported as of unknown outcome.
                        Assert.Equal(1, bodies);
                        Assert.Equal(lost.Contains(key) ? "toolCallFailed" : "toolCallCompleted", outcome.Type);
                        if (lost.Contains(key))
                        {
                            Assert.Equal("outcomeUnknown", outcome.Data.GetProperty("kind").GetString());
                        }
                    }
                }
            }
        });
    }

    [Fact]
    public async Task FreezeWorker_CallsInFlightThere_EndWithinTheirOwnDeadline()
    {
        await using ProcessCluster cluster = await ProcessCluster.StartAsync(output, ChatUiNodeRoles.Front, ChatUiNodeRoles.Worker, ChatUiNodeRoles.Worker);
        await cluster.RunAsync(async ct =>
        {
            Started started = await Started.SubscribeAsync(cluster.Redis);
            using ChatHttp front = await ChatHttp.OpenAsync(cluster.Nodes[0].ChatUri!, new CookieContainer(), ct);

            // Deadlines of 3 s, well under Orleans' 30 s response timeout: the calls on the frozen node must end by theirs.
            string id = await front.CreateAsync("f", new Dictionary<string, string> { ["scenario"] = "faults", ["calls"] = "6", ["timeoutMs"] = "3000" }, ct);
            Task<List<ChatEvent>> run = front.ReadRunAsync(id, null, ct);
            await started.WaitForAsync(6, ct);
            LocalClusterNode victim = cluster.Nodes.Skip(1).MaxBy(n => started.On(n.SiloPort).Count)!;
            HashSet<string> frozen = started.On(victim.SiloPort);
            await ProcessCluster.FreezeAsync(victim);
            await Started.ReleaseAsync(cluster.Redis);
            cluster.Step($"{victim} frozen with {frozen.Count} bodies under way");

            // Bounded well under the response timeout: a call waiting on it would fail this test.
            List<ChatEvent> seen = await run.WaitAsync(TimeSpan.FromSeconds(25), ct);
            Dictionary<string, ChatEvent> outcomes = Outcomes(seen);
            Dictionary<string, string> keys = KeysOf(await front.SnapshotAsync(id, ct));
            Assert.Equal(6, outcomes.Count);
            foreach ((string callId, ChatEvent outcome) in outcomes)
            {
                string key = keys[callId];
                if (!frozen.Contains(key))
                {
                    Assert.Equal("toolCallCompleted", outcome.Type);
                }
                else if (outcome.Data.GetProperty("name").GetString() == "send")
                {
                    Assert.Equal("toolCallFailed", outcome.Type);
                    Assert.Contains(outcome.Data.GetProperty("kind").GetString(), (string[])["outcomeUnknown", "timedOut"]);
                }
            }

            AssertAnswered(seen);
        });
    }

    private static void AssertAnswered(List<ChatEvent> events) => Assert.True(
        events[^1].Type == "runCompleted" && events[^1].Data.GetProperty("reason").GetString() == "finalAnswer",
        $"the run did not end with its answer: {string.Join(", ", events.Select(e => $"{e.Id} {e.Type}"))}; last: {events[^1].Data}");

    // Each call's terminal event (the last, should a resumed run tell one again; the history is checked apart).
    private static Dictionary<string, ChatEvent> Outcomes(List<ChatEvent> events)
    {
        var outcomes = new Dictionary<string, ChatEvent>(StringComparer.Ordinal);
        foreach (ChatEvent e in events.Where(e => e.Type is "toolCallCompleted" or "toolCallFailed"))
        {
            outcomes[e.CallId!] = e;
        }

        return outcomes;
    }

    // Each call's key argument, from the conversation's snapshot (one entry per call: a duplicate would throw).
    private static Dictionary<string, string> KeysOf(JsonElement snapshot) => snapshot.GetProperty("calls").EnumerateArray().ToDictionary(
        c => c.GetProperty("callId").GetString()!,
        c =>
        {
            using JsonDocument arguments = JsonDocument.Parse(c.GetProperty("arguments").GetString()!);
            return arguments.RootElement.GetProperty("key").GetString()!;
        },
        StringComparer.Ordinal);

    private static int Count(string text, string part)
    {
        int count = 0;
        for (int at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    /// <summary>The fault tools' <c>started</c> messages: which key's body started on which silo port.</summary>
    private sealed class Started
    {
        private readonly ConcurrentQueue<(string Key, int Port)> _started = new();
        private readonly SemaphoreSlim _signal = new(0);

        public static async Task<Started> SubscribeAsync(ConnectionMultiplexer redis)
        {
            var started = new Started();
            ChannelMessageQueue queue = await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal("started"));
            queue.OnMessage(m =>
            {
                string[] parts = m.Message.ToString().Split(' ');
                started._started.Enqueue((parts[0], int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture)));
                started._signal.Release();
            });
            return started;
        }

        public static async Task ReleaseAsync(ConnectionMultiplexer redis)
        {
            await redis.GetDatabase().StringSetAsync("released", "1");
            await redis.GetSubscriber().PublishAsync(RedisChannel.Literal("release"), "1");
        }

        public async Task WaitForAsync(int distinctKeys, CancellationToken cancellationToken)
        {
            while (_started.Select(s => s.Key).Distinct(StringComparer.Ordinal).Count() < distinctKeys)
            {
                await _signal.WaitAsync(cancellationToken);
            }
        }

        public HashSet<string> On(int siloPort) => [.. _started.Where(s => s.Port == siloPort).Select(s => s.Key)];
    }
}
