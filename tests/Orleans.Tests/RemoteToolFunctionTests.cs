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
    public async Task Post_RemoteTools_ResultsAndFailuresAsLocal()
    {
        ToolDescriptor[] remote =
        [
            new(new RemoteToolFunction(Echo(), _cluster!.Client, "conv-r"), ToolEffects.ReadOnly),
            new(new RemoteToolFunction(Failing(), _cluster.Client, "conv-r"), ToolEffects.ReadOnly),
        ];
        var block = new ToolExecutionBlock(remote, new ToolExecutionBlockOptions());
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

        Assert.Equal(
            ["echo n0", "echo n1", "echo n2", "echo n3", "echo n4"],
            events.OfType<ToolCallCompleted>().OrderBy(c => c.Call.Index).Select(c => ((JsonElement)c.Result!).GetString()));
        ToolCallFailed failed = Assert.Single(events.OfType<ToolCallFailed>());
        Assert.Equal((ToolCallFailureKind.ToolException, "call_1_5"), (failed.Kind, failed.Call.CallId));
        Assert.Contains("no n5", failed.Message, StringComparison.Ordinal);
    }

    private static ToolCall Call(int index, string name, string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        var arguments = document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone());
        return new ToolCall($"call_1_{index}", name, index, 1, arguments, json);
    }
}
