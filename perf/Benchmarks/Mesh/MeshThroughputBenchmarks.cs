using BenchmarkDotNet.Attributes;

namespace ToolFlow.Benchmarks.Mesh;

/// <summary>
/// Mesh throughput with no-op tools: 1,000 conversations, each its own <see cref="ToolFlow.Blocks.ToolExecutionBlock"/>
/// on one shared <see cref="ToolFlow.Blocks.ToolExecutor"/> (global cap 64, the default), close 100 read-only calls each
/// (100,000 calls, posted round robin across the conversations as fast as one thread can post), then end their
/// responses; an iteration ends when every conversation's sink has taken every call's terminal event and every block
/// has completed. One operation is one call, so the Calls/s column is 10^9 over the mean, and Allocated is bytes per
/// call (all threads).
/// </summary>
/// <remarks>
/// <see cref="MeshSynchronous"/> is the same mesh with the tool marked <see cref="ToolFlow.Blocks.ToolDescriptor.CompletesSynchronously"/>:
/// each call runs on the thread that starts it instead of hopping to the thread pool.
/// The baseline, <see cref="BareDataflow"/>, takes the same hops with nothing in between (see
/// <see cref="BareDataflowRig"/>): the ceiling of any design that hops to the thread pool twice per call here.
/// </remarks>
[Config(typeof(MeshBenchmarkConfig))]
public class MeshThroughputBenchmarks
{
    /// <summary>The conversations.</summary>
    public const int Conversations = 1_000;

    /// <summary>The calls each conversation closes.</summary>
    public const int CallsPerConversation = 100;

    /// <summary>The calls per iteration.</summary>
    public const int Calls = Conversations * CallsPerConversation;

    private IConversationRig? _rig;

    /// <summary>Builds fresh conversations for the iteration.</summary>
    [IterationSetup(Target = nameof(Mesh))]
    public void BuildMesh() => _rig = new MeshRig(new NoOpTool(), Conversations, CallsPerConversation, globalCap: 64);

    /// <summary>Builds fresh conversations whose tool takes the synchronous fast path.</summary>
    [IterationSetup(Target = nameof(MeshSynchronous))]
    public void BuildMeshSynchronous() => _rig = new MeshRig(new NoOpTool(), Conversations, CallsPerConversation, globalCap: 64, completesSynchronously: true);

    /// <summary>Builds the baseline's conversations for the iteration.</summary>
    [IterationSetup(Target = nameof(BareDataflow))]
    public void BuildBareDataflow() => _rig = new BareDataflowRig(new NoOpTool(), Conversations, CallsPerConversation);

    /// <summary>The baseline: every call through two thread-pool hops to its sink.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Calls)]
    public void BareDataflow() => Run();

    /// <summary>The mesh: every call closed, run and ended, every response ended, every block completed.</summary>
    [Benchmark(OperationsPerInvoke = Calls)]
    public void Mesh() => Run();

    /// <summary>The mesh, with the synchronous fast path: no thread-pool hop between a call's start and its tool.</summary>
    [Benchmark(OperationsPerInvoke = Calls)]
    public void MeshSynchronous() => Run();

    private void Run()
    {
        IConversationRig rig = _rig!;
        for (int n = 0; n < Calls; n++)
        {
            rig.Post(n);
        }

        rig.Finish();
        _rig = null;
    }
}
