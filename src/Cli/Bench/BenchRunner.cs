using ToolFlow.Profiling;

namespace ToolFlow.Cli.Bench;

/// <summary>Runs scenarios through strategies side by side: for each run (seed), every strategy in turn on the same draw.</summary>
internal static class BenchRunner
{
    public static async Task<BenchScenarioResult> RunAsync(
        Scenario scenario,
        IReadOnlyList<ExecutionStrategy> strategies,
        int runs,
        int seed,
        TimeProvider clock,
        TaskScheduler? scheduler,
        CancellationToken cancellationToken)
    {
        ExecutionStrategy[] applicable = [.. strategies.Where(s => s.AppliesTo(scenario))];
        var times = applicable.ToDictionary(s => s, _ => new List<double>());
        var firstStarts = applicable.ToDictionary(s => s, _ => new List<double>());
        var bounds = new List<double>();
        var first = new List<ScenarioRun>();
        for (int r = 0; r < runs; r++)
        {
            foreach (ExecutionStrategy strategy in applicable)
            {
                ScenarioRun run = await ScenarioRunner.RunAsync(scenario, strategy, seed + r, clock, scheduler, cancellationToken).ConfigureAwait(false);
                times[strategy].Add(run.EndToEndMs);
                if (run.Conversations.SelectMany(c => c.Calls).Min(c => c.StartedMs) is double firstStart)
                {
                    firstStarts[strategy].Add(firstStart);
                }

                if (r == 0)
                {
                    first.Add(run);
                }

                if (strategy == applicable[0])
                {
                    bounds.Add(run.LowerBoundMs);
                }
            }
        }

        double lowerBound = Percentile(bounds, 50);
        double? afterDecode = times.TryGetValue(ExecutionStrategy.AfterDecode, out List<double>? ad) ? Percentile(ad, 50) : null;
        BenchStrategyResult[] results = [.. applicable.Select(s =>
        {
            double p50 = Percentile(times[s], 50);
            double? firstStart = firstStarts[s].Count > 0 ? Percentile(firstStarts[s], 50) : null;
            return new BenchStrategyResult(s.ToName(), RunnerOf(s), s.RealLibrary(), p50, Percentile(times[s], 95), firstStart, p50 / lowerBound, afterDecode is { } a ? p50 / a : null, times[s]);
        })];
        return new BenchScenarioResult(scenario.Name, scenario.Description, lowerBound, results, first);
    }

    /// <summary>Who runs a strategy's calls, for the report: the real library, or ToolFlow's pipeline (and what it simulates).</summary>
    public static string RunnerOf(ExecutionStrategy strategy) => strategy switch
    {
        _ when strategy.RealLibrary() is { } library => $"real library: {library}",
        ExecutionStrategy.Sequential => "ToolFlow pipeline simulating FICC's default policy",
        ExecutionStrategy.AfterDecode => "ToolFlow pipeline simulating FICC's concurrent policy",
        _ => "ToolFlow pipeline",
    };

    /// <summary>Runs each strategy once on a fast clock, so measured runs do not pay for first-call JIT.</summary>
    public static async Task WarmUpAsync(Scenario scenario, IReadOnlyList<ExecutionStrategy> strategies, CancellationToken cancellationToken)
    {
        foreach (ExecutionStrategy strategy in strategies.Where(s => s.AppliesTo(scenario)))
        {
            await ScenarioRunner.RunAsync(scenario, strategy, 0, new AcceleratedTimeProvider(TimeProvider.System, 50), null, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The p-th percentile, interpolated between ranks.</summary>
    public static double Percentile(IReadOnlyList<double> values, double p)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        double[] sorted = [.. values.Order()];
        double rank = p / 100.0 * (sorted.Length - 1);
        int low = (int)Math.Floor(rank);
        int high = Math.Min(low + 1, sorted.Length - 1);
        return sorted[low] + ((rank - low) * (sorted[high] - sorted[low]));
    }
}
