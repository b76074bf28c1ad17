using System.Globalization;
using System.Text;
using System.Threading.Tasks.Dataflow;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;
using ToolFlow.Tokenizers;

namespace ToolFlow.Benchmarks.Mesh;

/// <summary>
/// What a result budget adds per call in the merge block: turns of one call each, the result a JSON document of about
/// 200 o200k tokens (<see cref="Small"/>, under the budget: counted, never cut) or about 200,000 tokens
/// (<see cref="Large"/>, cut to 4,000), with no budget, or a 4,000-token budget cut by head and tail or by the JSON
/// strategy. One operation is one call, from its <see cref="ToolCallCompleted"/> to its turn's <see cref="TurnCompleted"/>.
/// </summary>
[Config(typeof(MeshBenchmarkConfig))]
public class ResultBudgetBenchmarks
{
    /// <summary>Calls per iteration with small results.</summary>
    public const int SmallCalls = 2_000;

    /// <summary>Calls per iteration with large results.</summary>
    public const int LargeCalls = 4;

    private string _small = string.Empty;
    private string _large = string.Empty;

    /// <summary>The budget: <c>none</c>, <c>head-and-tail</c> or <c>json</c> (4,000 tokens).</summary>
    [Params("none", "head-and-tail", "json")]
    public string Budget { get; set; } = "none";

    /// <summary>Builds the results once and loads the vocabulary.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _small = Json(6);
        _large = Json(6_200);
        _ = TiktokenCounter.O200kBase.CountTokens("warm up");
    }

    /// <summary>Results of about 200 tokens.</summary>
    [Benchmark(OperationsPerInvoke = SmallCalls)]
    public void Small() => Run(_small, SmallCalls);

    /// <summary>Results of about 200,000 tokens.</summary>
    [Benchmark(OperationsPerInvoke = LargeCalls)]
    public void Large() => Run(_large, LargeCalls);

    private void Run(string result, int calls)
    {
        var options = new ToolResultMergeBlockOptions { TokenCounter = TiktokenCounter.O200kBase };
        if (Budget != "none")
        {
            options.MaxResultTokens = 4_000;
            options.ResultTrimmer = Budget == "json" ? ToolResultTrimmer.Json : ToolResultTrimmer.HeadAndTail;
        }

        var block = new ToolResultMergeBlock(options);
        int turns = 0;
        var sink = new ActionBlock<ToolPipelineEvent>(e =>
        {
            if (e is TurnCompleted)
            {
                turns++;
            }
        });
        block.LinkTo(sink, new DataflowLinkOptions { PropagateCompletion = true });
        for (int turn = 1; turn <= calls; turn++)
        {
            var call = new ToolCall($"call_{turn}", "search", 0, turn, new Dictionary<string, object?>(), "{}");
            block.Post(new ToolCallCompleted(call, result, TimeSpan.Zero) { Turn = turn });
            block.Post(new ResponseCompleted(new ChatMessage(ChatRole.Assistant, [new FunctionCallContent(call.CallId, call.Name)]), [call], ChatFinishReason.ToolCalls, null, null) { Turn = turn });
        }

        block.Complete();
        sink.Completion.GetAwaiter().GetResult();
        if (turns != calls)
        {
            throw new InvalidOperationException($"{turns} of {calls} turns completed.");
        }
    }

    private static string Json(int items)
    {
        var text = new StringBuilder("{\"query\":\"sensors in hall 7\",\"items\":[");
        for (int i = 0; i < items; i++)
        {
            text.Append(i > 0 ? "," : string.Empty).Append(CultureInfo.InvariantCulture, $"{{\"id\":{i},\"name\":\"sensor-{i:D5}\",\"reading\":{(i * 7919) % 10007},\"status\":\"{(i % 13 == 0 ? "warning" : "nominal")}\",\"history\":[{i % 10},{i % 7},{i % 5},{i % 3}]}}");
        }

        return text.Append("]}").ToString();
    }
}
