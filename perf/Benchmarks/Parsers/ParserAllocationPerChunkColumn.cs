using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace ToolFlow.Benchmarks.Parsers;

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
