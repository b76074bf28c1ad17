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

    private static AIFunction Failing() => AIFunctionFactory.Create(string (string q) => throw new InvalidOperationException($"no {q}"), "failing");

    private InProcessTestCluster? _cluster;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(3);
        builder.ConfigureSilo((_, silo) => silo.Services.AddSingleton(new ToolWorkerRegistry([Echo(), Failing()])));
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
