using System.Text.Json;
using System.Threading.Tasks.Dataflow;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using ToolFlow.Blocks;

namespace ToolFlow.Orleans.Tests;

/// <summary>The execution block runs a tool's body on a worker silo through <see cref="RemoteToolFunction"/>.</summary>
public sealed class RemoteToolFunctionTests : IAsyncLifetime
{
    private static AIFunction Echo() => AIFunctionFactory.Create((string q) => $"echo {q}", "echo");

    // Holds each call until the test lets them go (bounded), so a silo can be killed with calls under way on it.
    private static readonly TaskCompletionSource s_release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private static int s_started;

    private static AIFunction Held(string name) => AIFunctionFactory.Create(async (string q, CancellationToken cancellationToken) =>
    {
        Interlocked.Increment(ref s_started);
        await s_release.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        return $"{name} {q}";
    }, name);

    private static AIFunction Failing() => AIFunctionFactory.Create(string (string q) => throw new InvalidOperationException($"no {q}"), "failing");

    private InProcessTestCluster? _cluster;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(3);
        builder.ConfigureSilo((_, silo) => silo.Services.AddSingleton(new ToolWorkerRegistry([Echo(), Failing(), Held("lookup"), Held("send")])));
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    [Fact]
    public async Task Post_SameCallsLocalAndRemote_SameOutcomes()
    {
        ToolDescriptor[] local = [new(Echo(), ToolEffects.ReadOnly), new(Failing(), ToolEffects.ReadOnly)];
        ToolDescriptor[] remote =
        [
            new(new RemoteToolFunction(Echo(), _cluster!.Client, "conv-r"), ToolEffects.ReadOnly),
            new(new RemoteToolFunction(Failing(), _cluster.Client, "conv-r"), ToolEffects.ReadOnly),
        ];

        List<string> byLocal = await RunAsync(local);
        List<string> byRemote = await RunAsync(remote);

        Assert.Equal(byLocal, byRemote);
        Assert.Equal(
            ["call_1_0 completed \"echo n0\"", "call_1_1 completed \"echo n1\"", "call_1_2 completed \"echo n2\"", "call_1_3 completed \"echo n3\"", "call_1_4 completed \"echo n4\"", "call_1_5 failed ToolException"],
            byRemote);
    }

    // Issue 16's target, red today: from the test's cluster client the 3 read-only calls on the killed silo time out
    // (20 s) instead of failing with SiloUnavailableException and running again, because a client's calls go through a
    // gateway; issued silo to silo (from the conversation grain) they fail within about 0.4 s (SiloToSiloFaultTests).
    [Fact(Skip = "Green once calls are issued from the conversation grain, silo to silo (issue 16).")]
    public async Task KillSilo_CallsUnderWayThere_ReadOnlyRerunElsewhereSideEffectingOutcomeUnknown()
    {
        ToolDescriptor[] tools =
        [
            new(new RemoteToolFunction(Held("lookup"), _cluster!.Client, "conv-k"), ToolEffects.ReadOnly) { Timeout = TimeSpan.FromSeconds(20) },
            new(new RemoteToolFunction(Held("send"), _cluster.Client, "conv-k"), ToolEffects.SideEffecting) { Timeout = TimeSpan.FromSeconds(20) },
        ];
        var block = new ToolExecutionBlock(tools, new ToolExecutionBlockOptions());
        var events = new List<ToolPipelineEvent>();
        var sink = new ActionBlock<ToolPipelineEvent>(events.Add);
        block.LinkTo(sink, new DataflowLinkOptions { PropagateCompletion = true });
        ToolCall[] calls = [.. Enumerable.Range(0, 12).Select(n => Call(n, n % 2 == 0 ? "lookup" : "send", $$"""{"q": "n{{n}}"}"""))];
        foreach (ToolCall call in calls)
        {
            block.Post(new ToolCallClosed(call) { Turn = 1 });
        }

        block.Post(new ResponseCompleted(new ChatMessage(ChatRole.Assistant, []), calls, ChatFinishReason.ToolCalls, null, null) { Turn = 1 });
        for (int n = 0; Volatile.Read(ref s_started) < 12 && n < 300; n++)
        {
            await Task.Delay(100);
        }

        InProcessSiloHandle victim = _cluster.Silos[^1];
        await _cluster.KillSiloAsync(victim);
        s_release.TrySetResult();
        block.Complete();
        await sink.Completion.WaitAsync(TimeSpan.FromSeconds(90));

        string[] outcomes = [.. events.Select(e => e switch
        {
            ToolCallCompleted c => $"{c.Call.Name} {c.Call.CallId} completed",
            ToolCallFailed f => $"{f.Call.Name} {f.Call.CallId} {f.Kind}",
            _ => null,
        }).OfType<string>().Order(StringComparer.Ordinal)];
        Assert.Equal(12, outcomes.Length);
        Assert.All(outcomes.Where(o => o.StartsWith("lookup", StringComparison.Ordinal)), o => Assert.EndsWith("completed", o, StringComparison.Ordinal));
        Assert.All(outcomes.Where(o => o.StartsWith("send", StringComparison.Ordinal)), o => Assert.Matches("(completed|OutcomeUnknown)$", o));
        Assert.Contains(outcomes, o => o.EndsWith("OutcomeUnknown", StringComparison.Ordinal));
    }

    // The outcome of each call, in call order: its result as JSON, or its failure kind.
    private static async Task<List<string>> RunAsync(ToolDescriptor[] tools)
    {
        var block = new ToolExecutionBlock(tools, new ToolExecutionBlockOptions());
        var events = new List<ToolPipelineEvent>();
        var sink = new ActionBlock<ToolPipelineEvent>(events.Add);
        block.LinkTo(sink, new DataflowLinkOptions { PropagateCompletion = true });
        ToolCall[] calls = [.. Enumerable.Range(0, 6).Select(n => Call(n, n == 5 ? "failing" : "echo", $$"""{"q": "n{{n}}"}"""))];
        foreach (ToolCall call in calls)
        {
            block.Post(new ToolCallClosed(call) { Turn = 1 });
        }

        block.Post(new ResponseCompleted(new ChatMessage(ChatRole.Assistant, []), calls, ChatFinishReason.ToolCalls, null, null) { Turn = 1 });
        block.Complete();
        await sink.Completion.WaitAsync(TimeSpan.FromSeconds(60));
        return
        [
            .. events.Select(e => e switch
            {
                ToolCallCompleted c => (c.Call.Index, $"{c.Call.CallId} completed {JsonSerializer.Serialize(c.Result, AIJsonUtilities.DefaultOptions)}"),
                ToolCallFailed f => (f.Call.Index, $"{f.Call.CallId} failed {f.Kind}"),
                _ => (-1, string.Empty),
            }).Where(o => o.Item1 >= 0).OrderBy(o => o.Item1).Select(o => o.Item2),
        ];
    }

    private static ToolCall Call(int index, string name, string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        var arguments = document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone());
        return new ToolCall($"call_1_{index}", name, index, 1, arguments, json);
    }
}
