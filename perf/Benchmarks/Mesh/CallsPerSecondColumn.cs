using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace ToolFlow.Benchmarks.Mesh;

/// <summary><see cref="MeshThroughputBenchmarks"/>' calls per second: one operation is one call, so 10^9 over the mean in nanoseconds.</summary>
public sealed class CallsPerSecondColumn : IColumn
{
    /// <inheritdoc/>
    public string Id => nameof(CallsPerSecondColumn);

    /// <inheritdoc/>
    public string ColumnName => "Calls/s";

    /// <inheritdoc/>
    public string Legend => "Calls taken from close to terminal event per second (one operation is one call)";

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
    public bool IsAvailable(Summary summary) => summary.BenchmarksCases.Any(Applies);

    /// <inheritdoc/>
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    /// <inheritdoc/>
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

    /// <inheritdoc/>
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) =>
        Applies(benchmarkCase) && summary[benchmarkCase]?.ResultStatistics is { Mean: > 0 } statistics
            ? (1e9 / statistics.Mean).ToString("N0", CultureInfo.InvariantCulture)
            : "-";

    /// <inheritdoc/>
    public override string ToString() => ColumnName;

    private static bool Applies(BenchmarkCase benchmarkCase) =>
        benchmarkCase.Descriptor.Type == typeof(MeshThroughputBenchmarks) || benchmarkCase.Descriptor.Type == typeof(MergeThroughputBenchmarks);
}
