using ToolFlow.Testing;

namespace ToolFlow.Profiling.Tests;

/// <summary>
/// <see cref="WidthHarness"/> on the manual clock: the overloadable tool at static caps and at the adaptive limit, which
/// is not told the capacity. Virtual time makes every figure exact, so the goal is checked here as it stands.
/// </summary>
public sealed class WidthHarnessTests
{
    private static WidthRun Run(Scenario scenario, ConcurrencyWidth width, int seed = 1)
    {
        var clock = new ManualTimeProvider();
        var scheduler = new ManualTaskScheduler();
        WidthRun? run = null;
        VirtualTime.Run(clock, scheduler, async () => run = await WidthHarness.RunAsync(scenario, width, seed, clock, scheduler));
        return run!;
    }

    [Theory]
    [InlineData("overloaded-search")]
    [InlineData("overloaded-search-wide")]
    public void RunAsync_EveryDefaultWidth_AdaptiveWithinTenPercentOfTheBestStaticCapAndFarAheadOfTheWorst(string name)
    {
        Scenario scenario = ShippedScenarios.Load(name);

        WidthRun[] runs = [.. WidthHarness.DefaultWidths.Select(w => Run(scenario, w))];

        Assert.All(runs, r => Assert.Equal((200, 200), (r.Calls, r.Served)));
        WidthRun adaptive = runs.Single(r => r.Width == ConcurrencyWidth.Adaptive);
        WidthRun[] statics = [.. runs.Where(r => r.Width.Cap is not null)];
        double best = statics.Min(r => r.EndToEndMs), worst = statics.Max(r => r.EndToEndMs);
        Assert.True(adaptive.EndToEndMs <= best * 1.10, $"adaptive {adaptive.EndToEndMs} ms, best static {best} ms");
        Assert.True(adaptive.EndToEndMs <= worst * 0.5, $"adaptive {adaptive.EndToEndMs} ms, worst static {worst} ms");

        // It finds the width by probing: a few rejections, where the widest static cap has thousands or hundreds.
        Assert.InRange(adaptive.Rejections, 1, 20);
        Assert.True(runs.Single(r => r.Width.Cap == 64).Rejections > 10 * adaptive.Rejections);
    }

    [Fact]
    public void RunAsync_StaticCapBelowTheCapacity_NoRejectionAndNoWiderThanTheCap()
    {
        WidthRun run = Run(ShippedScenarios.Load("overloaded-search"), ConcurrencyWidth.Static(4));

        Assert.Equal((0, 0), (run.Rejections, run.Retries));
        Assert.InRange(run.MeanWidth, 3.5, 4);
    }

    [Fact]
    public void RunAsync_SameSeed_SameFigures()
    {
        Scenario scenario = ShippedScenarios.Load("overloaded-search");

        Assert.Equal(Run(scenario, ConcurrencyWidth.Adaptive, 3), Run(scenario, ConcurrencyWidth.Adaptive, 3));
    }

    [Fact]
    public async Task RunAsync_ScenarioWithoutOverload_ThrowsNamingIt()
    {
        ArgumentException e = await Assert.ThrowsAsync<ArgumentException>(() => WidthHarness.RunAsync(ShippedScenarios.Load("straggler"), ConcurrencyWidth.Static(4), 1, new ManualTimeProvider()));

        Assert.Contains("'straggler' has no tool with an \"overload\"", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("adaptive", null)]
    [InlineData(" Adaptive ", null)]
    [InlineData("16", 16)]
    public void Parse_WidthText_StaticCapOrAdaptive(string text, int? cap)
    {
        ConcurrencyWidth width = ConcurrencyWidth.Parse(text);

        Assert.Equal(cap, width.Cap);
        Assert.Equal(cap?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "adaptive", width.ToString());
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-4")]
    [InlineData("wide")]
    [InlineData("")]
    public void Parse_NotAWidth_ThrowsNamingTheText(string text)
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => ConcurrencyWidth.Parse(text));

        Assert.Contains($"(got '{text}')", e.Message, StringComparison.Ordinal);
    }
}
