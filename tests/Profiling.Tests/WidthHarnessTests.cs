using ToolFlow.Testing;
using Xunit.Abstractions;

namespace ToolFlow.Profiling.Tests;

/// <summary><see cref="WidthHarness"/> on the manual clock: the overloadable tool's runs at static caps and the adaptive limit.</summary>
public sealed class WidthHarnessTests
{
    private readonly ITestOutputHelper _output;

    public WidthHarnessTests(ITestOutputHelper output) => _output = output;

    private static WidthRun Run(Scenario scenario, ConcurrencyWidth width, int seed = 1)
    {
        var clock = new ManualTimeProvider();
        var scheduler = new ManualTaskScheduler();
        WidthRun? run = null;
        VirtualTime.Run(clock, scheduler, async () => run = await WidthHarness.RunAsync(scenario, width, seed, clock, scheduler));
        return run!;
    }

    [Fact]
    public void Debug_Widths()
    {
        string text = File.ReadAllText(Path.Combine(ShippedScenarios.Directory, "overloaded-search.json"));
        foreach (int capacity in new[] { 4, 8, 32 })
        {
            Scenario scenario = ScenarioLoader.Parse(text.Replace("\"capacity\": 8", $"\"capacity\": {capacity}", StringComparison.Ordinal), "x");
            foreach (ConcurrencyWidth width in WidthHarness.DefaultWidths.Skip(1))
            {
                for (int seed = 1; seed <= 2; seed++)
                {
                    WidthRun r = Run(scenario, width, seed);
                    _output.WriteLine($"cap {capacity} {width} seed {seed}: {r.EndToEndMs} rej {r.Rejections} mean {r.MeanWidth:F2}");
                }
            }
        }
    }
}
