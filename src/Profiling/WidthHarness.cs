using ToolFlow.Blocks;
using ToolFlow.Pipeline;

namespace ToolFlow.Profiling;

/// <summary>
/// Runs a scenario with overloadable tools (a hidden capacity, see <c>perf/scenarios/README.md</c>) in ToolFlow's
/// await mode at a given width: a static cap, or the adaptive limit, which is never told the capacity.
/// </summary>
public static class WidthHarness
{
    /// <summary>The widths the harness compares by default: static caps 1, 4, 16 and 64, and the adaptive limit.</summary>
    public static IReadOnlyList<ConcurrencyWidth> DefaultWidths { get; } =
        [ConcurrencyWidth.Static(1), ConcurrencyWidth.Static(4), ConcurrencyWidth.Static(16), ConcurrencyWidth.Static(64), ConcurrencyWidth.Adaptive];

    /// <summary>Runs the scenario once at a width.</summary>
    /// <param name="scenario">A scenario with at least one overloadable tool.</param>
    /// <param name="width">How wide its overloadable tools run.</param>
    /// <param name="seed">The draw's seed.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="scheduler">The scheduler the meshes run on, or <see langword="null"/> for the default.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>The run's figures.</returns>
    /// <exception cref="ArgumentException">The scenario has no overloadable tool.</exception>
    public static async Task<WidthRun> RunAsync(Scenario scenario, ConcurrencyWidth width, int seed, TimeProvider timeProvider, TaskScheduler? scheduler = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(width);
        ArgumentNullException.ThrowIfNull(timeProvider);
        if (!scenario.HasOverload)
        {
            throw new ArgumentException($"The scenario '{scenario.Name}' has no tool with an \"overload\"; widths change nothing in it.", nameof(scenario));
        }

        ScenarioRealization realization = ScenarioRealization.Sample(scenario, seed);
        ScenarioRun run = await ScenarioRunner.RunAsync(scenario, ExecutionStrategy.Await, realization, width, null, timeProvider, scheduler, cancellationToken).ConfigureAwait(false);
        ScenarioLoad[] loads = [.. scenario.Tools.Values.Where(t => t.Overload is not null).Select(t => realization.LoadOf(t.Name)).OfType<ScenarioLoad>()];
        return new WidthRun(
            width,
            seed,
            run.EndToEndMs,
            loads.Sum(l => l.Calls),
            loads.Sum(l => l.Served),
            loads.Sum(l => l.Rejections),
            loads.Sum(l => l.Retries),
            loads.Sum(l => l.MeanWidth));
    }
}
