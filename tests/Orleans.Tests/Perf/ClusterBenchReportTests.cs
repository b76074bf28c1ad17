using ToolFlow.ClusterBench;

namespace ToolFlow.Orleans.Tests.Perf;

/// <summary>The report's tables and the median over rounds they show.</summary>
public sealed class ClusterBenchReportTests
{
    [Fact]
    public void Median_ThreeRounds_MedianOfEachFigureFailuresAndSilosSummed()
    {
        HopResult[] rounds =
        [
            new("3 silos", 16, 100, 0, 1.0, 9.0, 300) { CallsPerSilo = [30, 40, 30] },
            new("3 silos", 16, 100, 1, 3.0, 5.0, 100) { CallsPerSilo = [40, 30, 30] },
            new("3 silos", 16, 100, 0, 2.0, 7.0, 200) { CallsPerSilo = [30, 30, 40] },
        ];

        HopResult median = HopBench.Median(rounds);

        Assert.Equal(("3 silos", 16, 100, 1, 2.0, 7.0, 200.0), (median.Executor, median.Concurrency, median.Calls, median.Failed, median.P50Ms, median.P99Ms, median.CallsPerSecond));
        Assert.Equal([100, 100, 100], median.CallsPerSilo);
        Assert.Equal(2.5, HopBench.MedianOf([4, 1, 2, 3]));
    }

    [Fact]
    public void Write_ScenarioAndHops_RatiosBesideLocal()
    {
        var options = new ClusterBenchOptions { Silos = [3], Rounds = 1, Calls = 100 };
        ScenarioComparisonRow row = new("chain", 3, 2000, [new("local", [2010], true, null), new("3 silos", [2020], false, "line 4: local 'a', remote 'b'")]);
        HopResult[] hops = [new("local", 1, 100, 0, 0.01, 0.02, 50_000), new("3 silos", 1, 100, 0, 0.51, 1.02, 2_000) { CallsPerSilo = [30, 40, 30] }];

        string report = ClusterBenchReport.Write("bench", options, DateTimeOffset.UnixEpoch, "load a", "load b", [row], hops);

        Assert.Contains("| chain | 3 | 2000 | 2010 | 2020 | 1.005x | **no** |", report, StringComparison.Ordinal);
        Assert.Contains("chain on 3 silos: line 4: local 'a', remote 'b'", report, StringComparison.Ordinal);
        Assert.Contains("| 1 | local | 0.010 | 0.020 | 50000 | | | | 0 |  |", report, StringComparison.Ordinal);
        Assert.Contains("| 1 | 3 silos | 0.510 | 1.020 | 2000 | 0.500 | 1.000 | 0.040x | 0 | 30/40/30 |", report, StringComparison.Ordinal);
        Assert.StartsWith("`bench`, 1970-01-01 00:00 to ", report, StringComparison.Ordinal);
    }
}
