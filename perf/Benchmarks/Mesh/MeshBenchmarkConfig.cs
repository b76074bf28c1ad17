using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace ToolFlow.Benchmarks.Mesh;

/// <summary>
/// The mesh benchmarks' configuration: a short in-process job for macro benchmarks (each iteration runs the whole
/// workload once, after one warm-up iteration; no pilot), allocations, and the dispatch percentile and calls-per-second
/// columns (each shown only for the benchmarks it applies to).
/// </summary>
public sealed class MeshBenchmarkConfig : ManualConfig
{
    /// <summary>Warm-up iterations before the measured ones.</summary>
    public const int WarmupCount = 1;

    /// <summary>Measured iterations.</summary>
    public const int IterationCount = 5;

    /// <summary>Initializes the configuration.</summary>
    public MeshBenchmarkConfig()
    {
        AddJob(Job.Default
            .WithStrategy(RunStrategy.Monitoring)
            .WithLaunchCount(1)
            .WithWarmupCount(WarmupCount)
            .WithIterationCount(IterationCount)
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithId("MeshRun"));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(
            new DispatchLatencyColumn("p50", 50),
            new DispatchLatencyColumn("p99", 99),
            new DispatchLatencyColumn("p99.9", 99.9),
            new DispatchLatencyColumn("max", 100),
            new CallsPerSecondColumn());
        HideColumns(Column.Gen0, Column.Gen1, Column.Gen2);
    }
}
