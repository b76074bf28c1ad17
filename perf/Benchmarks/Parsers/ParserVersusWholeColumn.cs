using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace ToolFlow.Benchmarks.Parsers;

/// <summary>How many times slower per KiB than the same parser on the whole response.</summary>
public sealed class ParserVersusWholeColumn : ParserBenchmarkColumn
{
    /// <inheritdoc/>
    public override string ColumnName => "vs whole";

    /// <inheritdoc/>
    public override string Legend => "Time per KiB over the same parser's time per KiB on the whole 1 MiB response (target for the stream parser: at most 3x in 1-char chunks)";

    /// <inheritdoc/>
    protected override string? Compute(Summary summary, BenchmarkCase benchmarkCase, double nanosecondsPerKiB, int kib, int chunkSize)
    {
        string method = benchmarkCase.Descriptor.WorkloadMethod.Name;
        string whole = method.StartsWith("Naive", StringComparison.Ordinal) ? nameof(StreamParserThroughputBenchmarks.Naive_Whole)
            : method.StartsWith("Body", StringComparison.Ordinal) ? nameof(ProviderBodyThroughputBenchmarks.Body_Whole)
            : nameof(StreamParserThroughputBenchmarks.Incremental_Whole);
        BenchmarkCase? reference = summary.BenchmarksCases.FirstOrDefault(c =>
            c.Descriptor.WorkloadMethod.Name == whole && c.Parameters.DisplayInfo == benchmarkCase.Parameters.DisplayInfo);
        double? wholeMean = reference is null ? null : summary[reference]?.ResultStatistics?.Mean;
        return wholeMean is > 0 ? (nanosecondsPerKiB / wholeMean.Value).ToString("N2", CultureInfo.InvariantCulture) + "x" : null;
    }
}
