using System.Globalization;
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
        StreamParserThroughputBenchmarks.Shapes.TryGetValue(benchmarkCase.Descriptor.WorkloadMethod.Name, out (int KiB, int ChunkSize) shape) &&
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

/// <summary>Bytes allocated per chunk fed (for whole input, per response).</summary>
public sealed class ParserAllocationPerChunkColumn : ParserBenchmarkColumn
{
    /// <inheritdoc/>
    public override string ColumnName => "Alloc/chunk";

    /// <inheritdoc/>
    public override string Legend => "Bytes allocated per chunk fed (whole: per response), parser, calls and results included";

    /// <inheritdoc/>
    protected override string? Compute(Summary summary, BenchmarkCase benchmarkCase, double nanosecondsPerKiB, int kib, int chunkSize)
    {
        long? perKiB = summary[benchmarkCase]?.GcStats.GetBytesAllocatedPerOperation(benchmarkCase);
        if (perKiB is null)
        {
            return null;
        }

        double perChunk = chunkSize == 0 ? perKiB.Value * (double)kib : perKiB.Value * (double)chunkSize / ParserBenchmarkInput.KiB;
        return perChunk.ToString(perChunk < 10 ? "N3" : "N0", CultureInfo.InvariantCulture) + " B";
    }
}

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
        string whole = method.StartsWith("Naive", StringComparison.Ordinal) ? nameof(StreamParserThroughputBenchmarks.Naive_Whole) : nameof(StreamParserThroughputBenchmarks.Incremental_Whole);
        BenchmarkCase? reference = summary.BenchmarksCases.FirstOrDefault(c =>
            c.Descriptor.WorkloadMethod.Name == whole && c.Parameters.DisplayInfo == benchmarkCase.Parameters.DisplayInfo);
        double? wholeMean = reference is null ? null : summary[reference]?.ResultStatistics?.Mean;
        return wholeMean is > 0 ? (nanosecondsPerKiB / wholeMean.Value).ToString("N2", CultureInfo.InvariantCulture) + "x" : null;
    }
}
