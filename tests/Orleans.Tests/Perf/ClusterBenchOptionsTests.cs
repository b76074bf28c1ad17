using ToolFlow.ClusterBench;
using ToolFlow.Profiling;

namespace ToolFlow.Orleans.Tests.Perf;

/// <summary>The cluster bench's command line: defaults, every option, and every limit named when crossed.</summary>
public sealed class ClusterBenchOptionsTests
{
    [Fact]
    public void Parse_NoArguments_Defaults()
    {
        ClusterBenchOptions options = ClusterBenchOptions.Parse([]);

        Assert.Equal([1, 3], options.Silos);
        Assert.Equal(ClusterTransport.Tcp, options.Transport);
        Assert.Empty(options.Scenarios);
        Assert.Equal(ExecutionStrategy.Await, options.Strategy);
        Assert.Equal((1, 1, 1.0), (options.Runs, options.Seed, options.TimeScale));
        Assert.Equal([1, 16, 64], options.Concurrency);
        Assert.Equal((2_000, 3), (options.Calls, options.Rounds));
        Assert.True(options.RunScenarios && options.RunHop);
        Assert.Null(options.Output);
        Assert.Equal(TimeSpan.FromSeconds(600), options.Timeout);
    }

    [Fact]
    public void Parse_EveryOption_Read()
    {
        ClusterBenchOptions options = ClusterBenchOptions.Parse(
        [
            "--cluster", "3,1,3", "--transport", "memory", "--scenario", "straggler", "--scenario", "my.json", "--scenarios-dir", "dir", "--strategy", "futures",
            "--runs", "5", "--seed", "7", "--time-scale", "2.5", "--concurrency", "8", "--calls", "100", "--rounds", "5", "--only", "hop", "--timeout", "60", "--out", "r.md",
        ]);

        Assert.Equal([3, 1], options.Silos);
        Assert.Equal(ClusterTransport.Memory, options.Transport);
        Assert.Equal(["straggler", "my.json"], options.Scenarios);
        Assert.Equal("dir", options.ScenariosDirectory);
        Assert.Equal(ExecutionStrategy.Futures, options.Strategy);
        Assert.Equal((5, 7, 2.5), (options.Runs, options.Seed, options.TimeScale));
        Assert.Equal([8], options.Concurrency);
        Assert.Equal((100, 5), (options.Calls, options.Rounds));
        Assert.False(options.RunScenarios);
        Assert.True(options.RunHop);
        Assert.Equal(TimeSpan.FromSeconds(60), options.Timeout);
        Assert.Equal("r.md", options.Output);
    }

    [Theory]
    [InlineData("--cluster 0", "--cluster is a whole number from 1 to 8 ('0')")]
    [InlineData("--cluster 9", "--cluster is a whole number from 1 to 8 ('9')")]
    [InlineData("--cluster 1,x", "--cluster is a whole number from 1 to 8 ('x')")]
    [InlineData("--concurrency 0", "--concurrency is a whole number from 1 to 1024 ('0')")]
    [InlineData("--concurrency 1025", "--concurrency is a whole number from 1 to 1024 ('1025')")]
    [InlineData("--calls 0", "--calls is a whole number from 1 to 1000000 ('0')")]
    [InlineData("--calls 1000001", "--calls is a whole number from 1 to 1000000 ('1000001')")]
    [InlineData("--rounds 0", "--rounds is a whole number from 1 to 100 ('0')")]
    [InlineData("--rounds 101", "--rounds is a whole number from 1 to 100 ('101')")]
    [InlineData("--runs 0", "--runs is a whole number from 1 to 100 ('0')")]
    [InlineData("--runs 101", "--runs is a whole number from 1 to 100 ('101')")]
    [InlineData("--seed -1", "--seed is a whole number from 0 to 2147483647 ('-1')")]
    [InlineData("--time-scale 0.5", "--time-scale is a number from 1 to 1000 ('0.5')")]
    [InlineData("--time-scale 1001", "--time-scale is a number from 1 to 1000 ('1001')")]
    [InlineData("--timeout 0", "--timeout is a whole number from 1 to 86400 ('0')")]
    [InlineData("--timeout 86401", "--timeout is a whole number from 1 to 86400 ('86401')")]
    [InlineData("--transport udp", "--transport is tcp or memory ('udp')")]
    [InlineData("--only both", "--only is scenarios or hop ('both')")]
    [InlineData("--strategy nope", "Unknown strategy 'nope'")]
    [InlineData("--strategy ficc", "The strategy 'ficc' runs Microsoft.Extensions.AI")]
    [InlineData("--calls", "--calls needs a value.")]
    [InlineData("--bogus 1", "Unknown option '--bogus'.")]
    public void Parse_BadArgument_FailsNamingIt(string line, string message)
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => ClusterBenchOptions.Parse(line.Split(' ')));

        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }
}
