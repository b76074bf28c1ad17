using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace ToolFlow.Benchmarks.Parsers;

/// <summary>Input read per second, in millions of characters (the input is ASCII: megabytes).</summary>
public sealed class ParserThroughputColumn : ParserBenchmarkColumn
{
    /// <inheritdoc/>
    public override string ColumnName => "MB/s";

    /// <inheritdoc/>
    public override string Legend => "Input read per second, in 10^6 characters (ASCII, so megabytes)";

    /// <inheritdoc/>
    protected override string? Compute(Summary summary, BenchmarkCase benchmarkCase, double nanosecondsPerKiB, int kib, int chunkSize) =>
        (ParserBenchmarkInput.KiB * 1e3 / nanosecondsPerKiB).ToString("N1", CultureInfo.InvariantCulture);
}
