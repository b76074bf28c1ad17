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
        Scenario scenario = ShippedScenarios.Load("overloaded-search");
        foreach (ConcurrencyWidth width in WidthHarness.DefaultWidths)
        {
            _output.WriteLine(Run(scenario, width).ToString());
        }
    }
}
