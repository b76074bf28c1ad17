using System.Threading.Tasks.Dataflow;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;

namespace ToolFlow.Benchmarks.Mesh;

/// <summary>
/// The merge stage alone: one <see cref="ToolResultMergeBlock"/> takes 25,000 turns of four calls each (100,000
/// calls); in each turn two outcomes arrive before the response ends and two after it, so half the calls wait on the
/// turn and half the turns wait on their calls. An iteration ends when the block has offered every event, including
/// each turn's <see cref="TurnCompleted"/>, and completed. One operation is one call: Calls/s is 10^9 over the mean,
/// Allocated is bytes per call.
/// </summary>
/// <remarks>
/// The baseline, <see cref="BareDataflow"/>, passes the same events through a <see cref="TransformBlock{TInput,TOutput}"/>
/// that only numbers them: the floor of any merge that is a Dataflow block.
/// </remarks>
[Config(typeof(MeshBenchmarkConfig))]
public class MergeThroughputBenchmarks
{
    /// <summary>The turns per iteration.</summary>
    public const int Turns = 25_000;

    /// <summary>The calls per turn.</summary>
    public const int CallsPerTurn = 4;

    /// <summary>The calls per iteration.</summary>
    public const int Calls = Turns * CallsPerTurn;

    private ToolPipelineEvent[] _events = [];

    /// <summary>Builds every turn's events once: outcomes 0 and 1, the response, outcomes 2 and 3.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var events = new List<ToolPipelineEvent>(Turns * (CallsPerTurn + 1));
        for (int turn = 1; turn <= Turns; turn++)
        {
            var calls = new ToolCall[CallsPerTurn];
            var contents = new List<AIContent>(CallsPerTurn);
            for (int i = 0; i < CallsPerTurn; i++)
            {
                calls[i] = new ToolCall($"call_{turn}_{i}", "lookup", i, turn, new Dictionary<string, object?> { ["q"] = i }, $$"""{"q":{{i}}}""");
                contents.Add(new FunctionCallContent(calls[i].CallId, calls[i].Name, new Dictionary<string, object?> { ["q"] = i }));
            }

            var response = new ResponseCompleted(new ChatMessage(ChatRole.Assistant, contents), calls, ChatFinishReason.ToolCalls, null, null) { Turn = turn };
            events.Add(new ToolCallCompleted(calls[0], "r0", TimeSpan.Zero) { Turn = turn });
            events.Add(new ToolCallCompleted(calls[1], "r1", TimeSpan.Zero) { Turn = turn });
            events.Add(response);
            events.Add(new ToolCallCompleted(calls[2], "r2", TimeSpan.Zero) { Turn = turn });
            events.Add(new ToolCallCompleted(calls[3], "r3", TimeSpan.Zero) { Turn = turn });
        }

        _events = [.. events];
    }

    /// <summary>The baseline: the same events through a block that only numbers them.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Calls)]
    public void BareDataflow()
    {
        long sequence = 0;
        var block = new TransformBlock<ToolPipelineEvent, ToolPipelineEvent>(e => e with { Sequence = ++sequence });
        Run(block);
    }

    /// <summary>The merge block: every outcome numbered and passed on, every turn completed in call order.</summary>
    [Benchmark(OperationsPerInvoke = Calls)]
    public void Merge() => Run(new ToolResultMergeBlock());

    private void Run(IPropagatorBlock<ToolPipelineEvent, ToolPipelineEvent> block)
    {
        int turns = 0;
        var sink = new ActionBlock<ToolPipelineEvent>(e =>
        {
            if (e is TurnCompleted)
            {
                turns++;
            }
        });
        block.LinkTo(sink, new DataflowLinkOptions { PropagateCompletion = true });
        foreach (ToolPipelineEvent e in _events)
        {
            block.Post(e);
        }

        block.Complete();
        sink.Completion.GetAwaiter().GetResult();
        if (block is ToolResultMergeBlock && turns != Turns)
        {
            throw new InvalidOperationException($"{turns} of {Turns} turns completed.");
        }
    }
}
