using System.Text.Json;
using System.Threading.Tasks.Dataflow;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;

namespace ToolFlow.Orleans.Tests;

/// <summary>The execution block runs a tool's body on a worker silo through <see cref="RemoteToolFunction"/>.</summary>
[Collection(WorkerClusterCollection.Name)]
public sealed class RemoteToolFunctionTests(WorkerCluster cluster)
{
    [Fact]
    public async Task Post_SameCallsLocalAndRemote_SameResultsOfTheSameTypes()
    {
        AIFunction[] tools = WorkerTools.All("local");
        ToolDescriptor[] local = [.. tools.Select(t => new ToolDescriptor(t, ToolEffects.ReadOnly))];
        ToolDescriptor[] remote = [.. tools.Select(t => new ToolDescriptor(new RemoteToolFunction(t, cluster.Front, "parity"), ToolEffects.ReadOnly))];
        (string Name, string Json)[] calls =
        [
            ("echo", """{"q": "n0"}"""), ("twice", """{"n": 21}"""), ("forecast", """{"city": "Oslo"}"""), ("failing", """{"q": "n3"}"""),
        ];

        List<string> byLocal = await RunAsync(local, calls);
        List<string> byRemote = await RunAsync(remote, calls);

        Assert.Equal(byLocal, byRemote);
        Assert.Equal(
            [
                "call_1_0 completed JsonElement \"echo n0\"",
                "call_1_1 completed JsonElement 42",
                "call_1_2 completed JsonElement {\n  \"city\": \"Oslo\",\n  \"celsius\": 21.5,\n  \"sky\": [\n    \"sun\",\n    \"wind\"\n  ]\n}",
                "call_1_3 failed ToolException",
            ],
            byRemote);
    }

    [Fact]
    public async Task InvokeAsync_HonorsIdempotencyKeysWithoutALedger_TheWorkerSeesTheScopedCallKey()
    {
        AIFunction key = WorkerTools.All("local").Single(t => t.Name == "key");
        ToolDescriptor[] tools = [new(new RemoteToolFunction(key, cluster.Front, "keyed"), ToolEffects.SideEffecting) { HonorsIdempotencyKeys = true }];

        List<string> outcomes = await RunAsync(tools, [("key", "{}")]);

        Assert.Equal(["call_1_0 completed JsonElement \"keyed/call_1_0\""], outcomes);
    }

    [Fact]
    public async Task InvokeAsync_ToolNoWorkerHosts_FailsWithAnErrorNamingIt()
    {
        AIFunction nowhere = AIFunctionFactory.Create((string q) => q, "nowhere");
        ToolDescriptor[] tools = [new(new RemoteToolFunction(nowhere, cluster.Front, "nowhere"), ToolEffects.ReadOnly)];
        var block = new ToolExecutionBlock(tools, new ToolExecutionBlockOptions());
        var events = new List<ToolPipelineEvent>();
        var sink = new ActionBlock<ToolPipelineEvent>(events.Add);
        block.LinkTo(sink, new DataflowLinkOptions { PropagateCompletion = true });
        ToolCall call = Call(0, "nowhere", """{"q": "x"}""");
        block.Post(new ToolCallClosed(call) { Turn = 1 });
        block.Post(new ResponseCompleted(new ChatMessage(ChatRole.Assistant, []), [call], ChatFinishReason.ToolCalls, null, null) { Turn = 1 });
        block.Complete();
        await sink.Completion.WaitAsync(TimeSpan.FromSeconds(60));

        ToolCallFailed failed = Assert.Single(events.OfType<ToolCallFailed>());
        Assert.Equal(ToolCallFailureKind.ToolException, failed.Kind);
        Assert.Contains("No active silo hosts the tool 'nowhere'", failed.Exception?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_NegativeReruns_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new RemoteToolOptions { MaxReruns = -1 });

    // The outcome of each call, in call order: the result's type and JSON, or its failure kind.
    private static async Task<List<string>> RunAsync(ToolDescriptor[] tools, (string Name, string Json)[] calls)
    {
        var block = new ToolExecutionBlock(tools, new ToolExecutionBlockOptions());
        var events = new List<ToolPipelineEvent>();
        var sink = new ActionBlock<ToolPipelineEvent>(events.Add);
        block.LinkTo(sink, new DataflowLinkOptions { PropagateCompletion = true });
        ToolCall[] posted = [.. calls.Select((c, n) => Call(n, c.Name, c.Json))];
        foreach (ToolCall call in posted)
        {
            block.Post(new ToolCallClosed(call) { Turn = 1 });
        }

        block.Post(new ResponseCompleted(new ChatMessage(ChatRole.Assistant, []), posted, ChatFinishReason.ToolCalls, null, null) { Turn = 1 });
        block.Complete();
        await sink.Completion.WaitAsync(TimeSpan.FromSeconds(60));
        return
        [
            .. events.Select(e => e switch
            {
                ToolCallCompleted c => (c.Call.Index, $"{c.Call.CallId} completed {c.Result?.GetType().Name} {JsonSerializer.Serialize(c.Result, AIJsonUtilities.DefaultOptions)}"),
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
