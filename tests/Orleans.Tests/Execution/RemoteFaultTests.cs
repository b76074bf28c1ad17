using System.Text.Json;
using System.Threading.Tasks.Dataflow;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using ToolFlow.Blocks;

namespace ToolFlow.Orleans.Tests;

/// <summary>
/// A worker silo killed with calls under way on it, each test on a cluster of its own (it loses a silo) that
/// declares a dead silo in about a second. Calls go silo to silo, from the front silo's grain factory, as from a
/// conversation grain. In the shared cluster's collection, so that no other test's bodies run while these count theirs.
/// </summary>
[Collection(WorkerClusterCollection.Name)]
public sealed class RemoteFaultTests
{
    private const int CallsPerTool = 8;

    [Fact]
    public async Task KillWorker_CallsUnderWayThere_SafeOnesRerunElsewhereOthersOutcomeUnknownUnlessKeyed()
    {
        await using InProcessTestCluster cluster = await WorkerCluster.DeployAsync(fastFailureDetection: true, configure: null);
        IGrainFactory front = cluster.GetSiloServiceProvider(cluster.Silos[0].SiloAddress).GetRequiredService<IGrainFactory>();
        AIFunction[] tools = WorkerTools.All("local");
        AIFunction Tool(string name, int maxReruns = RemoteToolOptions.DefaultMaxReruns) =>
            new RemoteToolFunction(tools.Single(t => t.Name == name), front, "kill", new RemoteToolOptions { MaxReruns = maxReruns });
        TimeSpan timeout = TimeSpan.FromSeconds(60);
        ToolDescriptor[] descriptors =
        [
            new(Tool("held"), ToolEffects.ReadOnly) { Timeout = timeout },
            new(Tool("held_side_effect"), ToolEffects.SideEffecting) { Timeout = timeout },
            new(Tool("held_keyed"), ToolEffects.SideEffecting) { Timeout = timeout, HonorsIdempotencyKeys = true },
            // Read-only, but with no re-runs allowed: lost with its silo, it fails as the silo's loss.
            new(Tool("node_capped", maxReruns: 0), ToolEffects.ReadOnly) { Timeout = timeout },
        ];
        var block = new ToolExecutionBlock(descriptors, new ToolExecutionBlockOptions { MaxConcurrency = 4 * CallsPerTool });
        var events = new List<ToolPipelineEvent>();
        var sink = new ActionBlock<ToolPipelineEvent>(events.Add);
        block.LinkTo(sink, new DataflowLinkOptions { PropagateCompletion = true });
        string[] names = ["held", "held_side_effect", "held_keyed", "node_capped"];
        ToolCall[] calls = [.. Enumerable.Range(0, names.Length * CallsPerTool).Select(n => Call(n, names[n % names.Length], $"kill-{n}"))];
        foreach (ToolCall call in calls)
        {
            block.Post(new ToolCallClosed(call) { Turn = 1 });
        }

        block.Post(new ResponseCompleted(new ChatMessage(ChatRole.Assistant, []), calls, ChatFinishReason.ToolCalls, null, null) { Turn = 1 });
        await Task.WhenAll(calls.Select(c => WorkerTools.Signal(WorkerTools.Started, Tag(c)).Task)).WaitAsync(TimeSpan.FromSeconds(60));

        // The victim: a worker running at least one side-effecting call (one of the two runs some).
        Dictionary<string, string> ranOn = FirstRuns("kill-");
        string victimName = ranOn.First(p => p.Key.StartsWith("held_side_effect ", StringComparison.Ordinal)).Value;
        InProcessSiloHandle victim = cluster.Silos.Single(s => s.Name == victimName);
        await cluster.KillSiloAsync(victim);
        foreach (ToolCall call in calls)
        {
            WorkerTools.Signal(WorkerTools.Gates, Tag(call)).TrySetResult();
        }

        block.Complete();
        await sink.Completion.WaitAsync(TimeSpan.FromSeconds(90));

        string[] expected =
        [
            .. calls.Select(c => $"{c.CallId} {c.Name} " + (ranOn[$"{c.Name} {Tag(c)}"] != victimName ? "completed" : c.Name switch
            {
                "held_side_effect" => "OutcomeUnknown",
                "node_capped" => "ToolException",
                _ => "completed",
            })),
        ];
        string[] outcomes =
        [
            .. events.Select(e => e switch
            {
                ToolCallCompleted c => $"{c.Call.CallId} {c.Call.Name} completed",
                ToolCallFailed f => $"{f.Call.CallId} {f.Call.Name} {f.Kind}",
                _ => null,
            }).OfType<string>(),
        ];
        Assert.Equal(expected.Order(StringComparer.Ordinal), outcomes.Order(StringComparer.Ordinal));

        // A side-effecting call ran once; a keyed one lost with the victim ran again with the same key on the other worker.
        string[] effects = [.. WorkerTools.Effects.Where(e => e.Contains(" kill-", StringComparison.Ordinal))];
        foreach (ToolCall call in calls.Where(c => c.Name == "held_side_effect"))
        {
            Assert.Single(effects, e => e.StartsWith($"held_side_effect {Tag(call)} ", StringComparison.Ordinal));
        }

        foreach (ToolCall call in calls.Where(c => c.Name == "held_keyed" && ranOn[$"held_keyed {Tag(c)}"] == victimName))
        {
            string[] runs = [.. effects.Where(e => e.StartsWith($"held_keyed {Tag(call)} ", StringComparison.Ordinal))];
            Assert.Equal([$"kill/{call.CallId}"], runs.Select(r => r.Split(' ')[2]).Distinct());
            Assert.Equal([victimName, "other"], runs.Select(r => r.EndsWith(victimName, StringComparison.Ordinal) ? victimName : "other"));
        }
    }

    [Fact]
    public async Task KillLeaseHolder_CallsWaitingForTheClusterCap_GetItsLease()
    {
        await using InProcessTestCluster cluster = await WorkerCluster.DeployAsync(fastFailureDetection: true, WorkerTools.Caps);
        IGrainFactory front = cluster.GetSiloServiceProvider(cluster.Silos[0].SiloAddress).GetRequiredService<IGrainFactory>();
        // Asked first from the front silo, the cap grain lives there (it prefers the asking silo), not on the victim.
        IToolCapGrain cap = front.GetGrain<IToolCapGrain>("cluster_capped");
        Assert.Equal(cluster.Silos[0].SiloAddress, (await cap.SnapshotAsync()).Silo);
        string[] tags = [.. Enumerable.Range(0, 12).Select(n => $"lease-{n}")];
        Task<RemoteToolResult>[] calls =
        [
            .. tags.Select((tag, n) => front.GetGrain<IToolCallGrain>(ToolCallKey.Format("cluster_capped", "lease", $"call_{n}", 1, 0))
                .InvokeAsync(new RemoteToolRequest("cluster_capped", $$"""{"tag": "{{tag}}"}"""), CancellationToken.None)),
        ];
        Task[] started = [.. tags.Select(tag => (Task)WorkerTools.Signal(WorkerTools.Started, tag).Task)];
        await WorkerTools.WhenCountAsync(started, 2);
        ToolCapSnapshot full = await WorkerTools.CapWhenAsync(cap, s => s.Waiting.Count >= 12 - 2);

        // The victim holds a lease while a call on the other worker waits for one.
        SiloAddress victimAddress = full.Leases.Values.First(holder => full.Waiting.Any(w => !w.Equals(holder)));
        await cluster.KillSiloAsync(cluster.Silos.Single(s => s.SiloAddress.Equals(victimAddress)));

        // No body has returned: a third start can only come from a lease the dead holder gave back.
        await WorkerTools.WhenCountAsync(started, 3);
        ToolCapSnapshot after = await cap.SnapshotAsync();
        Assert.DoesNotContain(victimAddress, after.Leases.Values);
        Assert.True(after.Leases.Count <= 2, $"{after.Leases.Count} leases");
        foreach (string tag in tags)
        {
            WorkerTools.Signal(WorkerTools.Gates, tag).TrySetResult();
        }

        // Calls on the survivor complete; the victim's fail as its silo is gone.
        await Task.WhenAll(calls.Select(c => c.ContinueWith(_ => { }, TaskScheduler.Default))).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Contains(calls, c => c.IsCompletedSuccessfully);
    }

    // Where each held call of the test first ran: "{tool} {tag}" -> silo name.
    private static Dictionary<string, string> FirstRuns(string tagPrefix)
    {
        var ranOn = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string[] effect in WorkerTools.Effects.Select(e => e.Split(' ')).Where(e => e[1].StartsWith(tagPrefix, StringComparison.Ordinal)))
        {
            ranOn.TryAdd($"{effect[0]} {effect[1]}", effect[3]);
        }

        return ranOn;
    }

    private static string Tag(ToolCall call) => call.Arguments!["tag"]!.ToString()!;

    private static ToolCall Call(int index, string name, string tag)
    {
        string json = $$"""{"tag": "{{tag}}"}""";
        using JsonDocument document = JsonDocument.Parse(json);
        var arguments = document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone());
        return new ToolCall($"call_1_{index}", name, index, 1, arguments, json);
    }
}
