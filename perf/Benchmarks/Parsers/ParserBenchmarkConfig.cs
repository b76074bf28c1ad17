using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;

namespace ToolFlow.Benchmarks.Parsers;

/// <summary>
/// The parser benchmarks' configuration: a short job, each case in three processes of its own (so one case's JIT profile and
/// collector history never shape another's), allocations, rows grouped by category and format with the baseline in
/// each group, and the derived MB/s, Alloc/chunk and vs-whole columns.
/// </summary>
public sealed class ParserBenchmarkConfig : ManualConfig
{
    /// <summary>Initializes the configuration.</summary>
    public ParserBenchmarkConfig()
    {
        // Three processes per case: one process can settle noticeably slower than another (4.5 against 7.3 ms/MiB).
        AddJob(Job.ShortRun.WithLaunchCount(3).WithId("ShortRun x3"));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(CategoriesColumn.Default, new ParserThroughputColumn(), new ParserAllocationPerChunkColumn(), new ParserVersusWholeColumn());
        AddLogicalGroupRules(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByParams);
        HideColumns(Column.Error, Column.StdDev, Column.RatioSD, Column.Gen0, Column.Gen1, Column.Gen2);
    }
}
