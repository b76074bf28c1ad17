using System.Diagnostics;
using BenchmarkDotNet.Attributes;

namespace ToolFlow.Benchmarks.Mesh;

/// <summary>
/// Dispatch latency: from the instant a call's <see cref="ToolFlow.Blocks.ToolCallClosed"/> is posted to its
/// conversation's <see cref="ToolFlow.Blocks.ToolExecutionBlock"/> to the instant the tool's body starts, read with
/// <see cref="Stopwatch.GetTimestamp"/> on both sides, for every call. 1,000 conversations share one
/// <see cref="ToolFlow.Blocks.ToolExecutor"/> (global cap 64, the default; 16 per conversation, the default); the tool
/// is read-only (so it may start the instant its call closes) and a no-op.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="Arrivals"/> is the offered load: calls closing at a steady rate spread round robin over the 1,000
/// conversations (posted in 1 ms ticks: the driver sleeps between ticks and posts every call due, so at 25,000/s each
/// tick posts about 25 calls to 25 conversations at once) for <see cref="SecondsPerIteration"/> seconds, so each
/// iteration holds the garbage collections its rate brings; or <c>burst</c>: all 1,000 conversations close a call in the
/// same instant, ten times, each burst once the last one's tools have all started.
/// </para>
/// <para>
/// The baseline, <see cref="BareDataflow"/>, takes the same two thread-pool hops the mesh takes (an
/// <see cref="System.Threading.Tasks.Dataflow.ActionBlock{T}"/> per conversation, then a task for the tool) with nothing
/// in between: the floor any Dataflow design pays on this machine, at the same moment.
/// </para>
/// <para>
/// The percentiles (columns p50, p99, p99.9, max and <c>perf/results/mesh-dispatch.md</c>) are over every call of the
/// measured iterations, with the collections that ran meanwhile (a collection pauses every thread, and its pauses are
/// most of the tail). The Mean column is the time of one iteration (the offered load's duration, or the ten bursts).
/// </para>
/// </remarks>
[Config(typeof(MeshBenchmarkConfig))]
public class DispatchLatencyBenchmarks
{
    /// <summary>The conversations sharing the executor.</summary>
    public const int Conversations = 1_000;

    /// <summary>The bursts per iteration of <c>burst</c>.</summary>
    public const int Bursts = 10;

    /// <summary>How long each iteration offers a steady rate, in seconds: long enough to hold the collections it brings.</summary>
    public const int SecondsPerIteration = 3;

    private IConversationRig? _rig;
    private ProbeTool? _probe;
    private GcActivity _gc;

    /// <summary>The offered load: <c>N/s</c> calls per second across all conversations, or <c>burst</c>.</summary>
    [Params("1k/s", "10k/s", "25k/s", "burst")]
    public string Arrivals { get; set; } = "burst";

    /// <summary>
    /// Whether each conversation is recorded: <c>none</c>, or <c>in-memory</c> (an <see cref="ToolFlow.Pipeline.InMemoryToolCallLedger"/>
    /// shared by all, each conversation recorded as a pipeline run is), so the ledger's cost shows side by side. The
    /// baseline records nothing either way.
    /// </summary>
    [Params("none", "in-memory")]
    public string Ledger { get; set; } = "none";

    /// <summary>The name a method's results are kept under: the method, and the ledger when there is one.</summary>
    /// <param name="method">The benchmark method.</param>
    /// <param name="ledger">The <see cref="Ledger"/> parameter.</param>
    /// <returns>The name.</returns>
    public static string ResultName(string method, string ledger) => ledger == "none" ? method : $"{method}+{ledger}";

    private ToolFlow.Pipeline.IToolCallLedger? NewLedger() => Ledger switch
    {
        "none" => null,
        "in-memory" => new ToolFlow.Pipeline.InMemoryToolCallLedger(),
        _ => throw new InvalidOperationException($"Unknown ledger '{Ledger}'."),
    };

    // The rate (0 for bursts), the calls per iteration and the calls per round (a round ends when all its tools started).
    private (int Rate, int Calls, int RoundSize) Shape => Arrivals switch
    {
        "1k/s" => (1_000, 1_000 * SecondsPerIteration, 1_000 * SecondsPerIteration),
        "10k/s" => (10_000, 10_000 * SecondsPerIteration, 10_000 * SecondsPerIteration),
        "25k/s" => (25_000, 25_000 * SecondsPerIteration, 25_000 * SecondsPerIteration),
        "burst" => (0, Bursts * Conversations, Conversations),
        _ => throw new InvalidOperationException($"Unknown arrivals '{Arrivals}'."),
    };

    /// <summary>Builds fresh conversations for the iteration (a block keeps its run's calls, so each run is new).</summary>
    [IterationSetup(Target = nameof(Mesh))]
    public void BuildMesh()
    {
        (_, int calls, int roundSize) = Shape;
        _probe = new ProbeTool(calls, roundSize);
        _rig = new MeshRig(_probe, Conversations, calls / Conversations, globalCap: 64, ledger: NewLedger());
    }

    /// <summary>Builds fresh conversations whose tool takes the synchronous fast path.</summary>
    [IterationSetup(Target = nameof(MeshSynchronous))]
    public void BuildMeshSynchronous()
    {
        (_, int calls, int roundSize) = Shape;
        _probe = new ProbeTool(calls, roundSize);
        _rig = new MeshRig(_probe, Conversations, calls / Conversations, globalCap: 64, completesSynchronously: true, ledger: NewLedger());
    }

    /// <summary>Builds the baseline's conversations for the iteration.</summary>
    [IterationSetup(Target = nameof(BareDataflow))]
    public void BuildBareDataflow()
    {
        (_, int calls, int roundSize) = Shape;
        _probe = new ProbeTool(calls, roundSize);
        _rig = new BareDataflowRig(_probe, Conversations, calls / Conversations);
    }

    /// <summary>The baseline: two thread-pool hops and nothing else.</summary>
    [Benchmark(Baseline = true)]
    public void BareDataflow() => Drive();

    /// <summary>The mesh.</summary>
    [Benchmark]
    public void Mesh() => Drive();

    /// <summary>The mesh, with the probe marked <see cref="ToolFlow.Blocks.ToolDescriptor.CompletesSynchronously"/>: no hop to its body.</summary>
    [Benchmark]
    public void MeshSynchronous() => Drive();

    /// <summary>Ends the conversations and keeps the mesh iteration's latencies.</summary>
    [IterationCleanup(Target = nameof(Mesh))]
    public void RecordMesh() => Record(nameof(Mesh));

    /// <summary>Ends the conversations and keeps the fast path's latencies.</summary>
    [IterationCleanup(Target = nameof(MeshSynchronous))]
    public void RecordMeshSynchronous() => Record(nameof(MeshSynchronous));

    /// <summary>Ends the conversations and keeps the baseline iteration's latencies.</summary>
    [IterationCleanup(Target = nameof(BareDataflow))]
    public void RecordBareDataflow() => Record(nameof(BareDataflow));

    /// <summary>Writes the percentiles measured so far to <c>perf/results/mesh-dispatch.md</c>.</summary>
    [GlobalCleanup]
    public void Write() => DispatchLatencyResults.WriteMarkdown();

    private void Record(string method)
    {
        _rig!.Finish();
        DispatchLatencyResults.AddIteration(ResultName(method, Ledger), Arrivals, _probe!.Latencies, _gc);
        _rig = null;
        _probe = null;
    }

    // Posts the calls as Arrivals says and waits for every terminal event.
    private void Drive()
    {
        IConversationRig rig = _rig!;
        ProbeTool probe = _probe!;
        (int rate, int calls, int roundSize) = Shape;
        GcActivity gcBefore = GcActivity.Read();
        if (rate == 0)
        {
            for (int round = 0; round < calls / roundSize; round++)
            {
                for (int c = 0; c < roundSize; c++)
                {
                    int n = (round * roundSize) + c;
                    probe.Posting(n);
                    rig.Post(n);
                }

                probe.RoundStarted(round).GetAwaiter().GetResult();
            }
        }
        else
        {
            long start = Stopwatch.GetTimestamp();
            double perTick = rate / (double)Stopwatch.Frequency;
            int next = 0;
            while (next < calls)
            {
                int due = Math.Min(calls, (int)((Stopwatch.GetTimestamp() - start) * perTick) + 1);
                for (; next < due; next++)
                {
                    probe.Posting(next);
                    rig.Post(next);
                }

                if (next < calls)
                {
                    Thread.Sleep(1);
                }
            }

            probe.RoundStarted(0).GetAwaiter().GetResult();
        }

        rig.AllEnded.GetAwaiter().GetResult();
        _gc = GcActivity.Read() - gcBefore;
    }
}
