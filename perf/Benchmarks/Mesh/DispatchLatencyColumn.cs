using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace ToolFlow.Benchmarks.Mesh;

/// <summary>A percentile of <see cref="DispatchLatencyBenchmarks"/>' dispatch latency, in microseconds.</summary>
/// <param name="name">The column's name.</param>
/// <param name="percent">The percentile; 100 for the maximum.</param>
public sealed class DispatchLatencyColumn(string name, double percent) : IColumn
{
    /// <inheritdoc/>
    public string Id => $"{nameof(DispatchLatencyColumn)}.{name}";

    /// <inheritdoc/>
    public string ColumnName => $"{name} (µs)";

    /// <inheritdoc/>
    public string Legend => percent >= 100
        ? "The longest dispatch latency (post of ToolCallClosed to tool body start) over the measured iterations, in µs"
        : $"The {name} dispatch latency (post of ToolCallClosed to tool body start) over every call of the measured iterations, in µs";

    /// <inheritdoc/>
    public bool AlwaysShow => true;

    /// <inheritdoc/>
    public ColumnCategory Category => ColumnCategory.Custom;

    /// <inheritdoc/>
    public int PriorityInCategory => (int)(percent * 10);

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
        Applies(benchmarkCase) && DispatchLatencyResults.Get(
                DispatchLatencyBenchmarks.ResultName(benchmarkCase.Descriptor.WorkloadMethod.Name, (string)benchmarkCase.Parameters[nameof(DispatchLatencyBenchmarks.Ledger)]),
                (string)benchmarkCase.Parameters[nameof(DispatchLatencyBenchmarks.Arrivals)]) is { } latencies
            ? latencies.Percentile(percent).ToString("N1", CultureInfo.InvariantCulture)
            : "-";

    /// <inheritdoc/>
    public override string ToString() => ColumnName;

    private static bool Applies(BenchmarkCase benchmarkCase) => benchmarkCase.Descriptor.Type == typeof(DispatchLatencyBenchmarks);
}
