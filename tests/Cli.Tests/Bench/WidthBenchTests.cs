using System.Text.Json;
using ToolFlow.Cli.Bench;
using ToolFlow.Profiling;
using ToolFlow.Profiling.Tests;
using ToolFlow.Testing;

namespace ToolFlow.Cli.Tests.Bench;

/// <summary><c>toolflow bench --caps</c>: widths parsed with named errors, the shipped set split, the table and its JSON.</summary>
public sealed class WidthBenchTests
{
    private static string Run(IReadOnlyList<ConcurrencyWidth> widths, bool json, params string[] scenarios)
    {
        IReadOnlyList<Scenario> resolved = BenchCommand.Resolve(scenarios, ShippedScenarios.Directory);
        var clock = new ManualTimeProvider();
        var scheduler = new ManualTaskScheduler();
        var output = new StringWriter();
        VirtualTime.Run(clock, scheduler, () => WidthBench.RunAsync(resolved, widths, 1, 1, json, clock, scheduler, output, CancellationToken.None));
        return output.ToString();
    }

    [Fact]
    public void RunAsync_Table_OneRowPerWidthWithTheRatioToTheBestStaticCap()
    {
        string table = Run(WidthBench.ParseWidths("4,64,adaptive"), json: false, "overloaded-search");

        string[] lines = table.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal("overloaded-search: 1 run(s) per width, await mode", lines[0]);
        Assert.StartsWith("| width    | end to end ms | / best static | rejections |  retries | mean width |      served |", lines[1], StringComparison.Ordinal);
        Assert.Equal(["4", "64", "adaptive"], lines.Skip(3).Select(l => l.Split('|', StringSplitOptions.TrimEntries)[1]));
        Assert.All(lines.Skip(3), l => Assert.EndsWith("200/200 |", l, StringComparison.Ordinal));
        Assert.Equal("1.000x", lines.Single(l => l.StartsWith("| 64 ", StringComparison.Ordinal)).Split('|', StringSplitOptions.TrimEntries)[3]);
    }

    [Fact]
    public void RunAsync_Json_FiguresPerWidth()
    {
        using JsonDocument json = JsonDocument.Parse(Run([ConcurrencyWidth.Static(16), ConcurrencyWidth.Adaptive], json: true, "overloaded-search-wide"));

        JsonElement scenario = json.RootElement.GetProperty("scenarios")[0];
        Assert.Equal("overloaded-search-wide", scenario.GetProperty("name").GetString());
        JsonElement[] widths = [.. scenario.GetProperty("widths").EnumerateArray()];
        Assert.Equal(["16", "adaptive"], widths.Select(w => w.GetProperty("width").GetString()));
        Assert.Equal(1, widths[0].GetProperty("ratioToBestStatic").GetDouble());
        Assert.Equal(0, widths[0].GetProperty("rejections").GetDouble());
        Assert.All(widths, w => Assert.Equal((200, 200), (w.GetProperty("served").GetInt32(), w.GetProperty("calls").GetInt32())));
        Assert.True(widths[1].GetProperty("meanWidth").GetDouble() > widths[0].GetProperty("meanWidth").GetDouble());
    }

    [Fact]
    public async Task RunAsync_ScenarioWithoutOverload_ThrowsNamingIt()
    {
        IReadOnlyList<Scenario> scenarios = BenchCommand.Resolve(["straggler"], ShippedScenarios.Directory);

        ArgumentException e = await Assert.ThrowsAsync<ArgumentException>(() => WidthBench.RunAsync(scenarios, [ConcurrencyWidth.Adaptive], 1, 1, false, new ManualTimeProvider(), null, TextWriter.Null, CancellationToken.None));

        Assert.Equal("--caps: the scenario 'straggler' has no tool with an \"overload\"; widths change nothing in it.", e.Message);
    }

    [Theory]
    [InlineData("1,4,16,64,adaptive", new[] { "1", "4", "16", "64", "adaptive" })]
    [InlineData(" adaptive , 8 ", new[] { "adaptive", "8" })]
    public void ParseWidths_List_InOrder(string value, string[] expected)
    {
        Assert.Equal(expected, WidthBench.ParseWidths(value).Select(w => w.ToString()));
    }

    [Theory]
    [InlineData("4,wide", "--caps: 'wide' is not a width; a width is a whole number from 1 or 'adaptive'.")]
    [InlineData("0", "--caps: '0' is not a width; a width is a whole number from 1 or 'adaptive'.")]
    [InlineData("4,adaptive,4", "--caps names 4 twice.")]
    [InlineData(",", "--caps names no width (got ','); for example --caps 1,4,16,64,adaptive.")]
    public void ParseWidths_Bad_NamesTheProblem(string value, string message)
    {
        Assert.Equal(message, Assert.Throws<ArgumentException>(() => WidthBench.ParseWidths(value)).Message);
    }

    [Fact]
    public void ParseWidths_MoreThanTheLimit_NamesIt()
    {
        string many = string.Join(',', Enumerable.Range(1, WidthBench.MaxWidths + 1));

        Assert.Equal($"--caps names {WidthBench.MaxWidths + 1} widths; at most {WidthBench.MaxWidths}.", Assert.Throws<ArgumentException>(() => WidthBench.ParseWidths(many)).Message);
    }

    [Fact]
    public void ForWidths_ShippedSet_OverloadScenariosOnlyWithCapsAndNeverWithout()
    {
        IReadOnlyList<Scenario> shipped = BenchCommand.Resolve([], ShippedScenarios.Directory);

        Assert.Equal(["overloaded-search-wide", "overloaded-search"], BenchCommand.ForWidths(shipped, shippedSet: true, widths: true).Select(s => s.Name));
        Assert.DoesNotContain(BenchCommand.ForWidths(shipped, shippedSet: true, widths: false), s => s.HasOverload);
        Assert.Equal(shipped.Count, BenchCommand.ForWidths(shipped, shippedSet: false, widths: false).Count);
    }
}
