using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace ToolFlow.Benchmarks.Parsers;

/// <summary>A column derived from a parser benchmark's mean time and allocations per KiB of input.</summary>
public abstract class ParserBenchmarkColumn : IColumn
{
    /// <inheritdoc/>
    public abstract string ColumnName { get; }

    /// <inheritdoc/>
    public abstract string Legend { get; }

    /// <inheritdoc/>
    public string Id => GetType().Name;

    /// <inheritdoc/>
    public bool AlwaysShow => true;

    /// <inheritdoc/>
    public ColumnCategory Category => ColumnCategory.Custom;

    /// <inheritdoc/>
    public int PriorityInCategory => 0;

    /// <inheritdoc/>
    public bool IsNumeric => true;

    /// <inheritdoc/>
    public UnitType UnitType => UnitType.Dimensionless;

    /// <inheritdoc/>
    public bool IsAvailable(Summary summary) => true;

    /// <inheritdoc/>
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    /// <inheritdoc/>
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

    /// <inheritdoc/>
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) =>
        (StreamParserThroughputBenchmarks.Shapes.TryGetValue(benchmarkCase.Descriptor.WorkloadMethod.Name, out (int KiB, int ChunkSize) shape) ||
         ProviderBodyThroughputBenchmarks.Shapes.TryGetValue(benchmarkCase.Descriptor.WorkloadMethod.Name, out shape)) &&
        summary[benchmarkCase]?.ResultStatistics is { Mean: > 0 } statistics
            ? Compute(summary, benchmarkCase, statistics.Mean, shape.KiB, shape.ChunkSize) ?? "-"
            : "-";

    /// <summary>The value for one benchmark.</summary>
    /// <param name="summary">The run.</param>
    /// <param name="benchmarkCase">The benchmark.</param>
    /// <param name="nanosecondsPerKiB">Its mean time per KiB of input.</param>
    /// <param name="kib">Its input size.</param>
    /// <param name="chunkSize">Its chunk size, 0 for whole.</param>
    /// <returns>The cell text, or <see langword="null"/> for none.</returns>
    protected abstract string? Compute(Summary summary, BenchmarkCase benchmarkCase, double nanosecondsPerKiB, int kib, int chunkSize);

    /// <inheritdoc/>
    public override string ToString() => ColumnName;
}
