using ToolFlow.ClusterBench;
using ToolFlow.Profiling;

// The scenario suite with its tools run locally and on in-process clusters of N silos (same seeds, outcomes compared,
// end to end side by side), then a no-op tool's hop: per-call p50/p99 and calls/s, local and remote, at each concurrency.
// Usage: dotnet run -c Release --project perf/ClusterBench [-- --cluster 1,3] [--scenario NAME]... [--concurrency 1,16,64]
//        [--calls N] [--only scenarios|hop] [--out FILE]; see ClusterBenchOptions.Usage.
ClusterBenchOptions options;
IReadOnlyList<Scenario> scenarios;
try
{
    options = ClusterBenchOptions.Parse(args);
    scenarios = options.RunScenarios ? ScenarioFiles.Load(options.Scenarios, options.ScenariosDirectory, options.Strategy) : [];
}
catch (Exception e) when (e is ArgumentException or ScenarioException)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(ClusterBenchOptions.Usage);
    return 2;
}

string command = "dotnet run -c Release --project perf/ClusterBench" + (args.Length > 0 ? " -- " + string.Join(' ', args) : string.Empty);
DateTimeOffset started = TimeProvider.System.GetUtcNow();
string before = ClusterBenchReport.MachineState();
using var deadline = new CancellationTokenSource(options.Timeout);
IReadOnlyList<ScenarioComparisonRow> rows;
IReadOnlyList<HopResult> hops;
try
{
    // The deadline cancels the runs; WaitAsync also bounds a hang that ignores cancellation.
    (rows, hops) = await ClusterBenchRunner.RunAsync(options, scenarios, Console.Error, deadline.Token).WaitAsync(options.Timeout + TimeSpan.FromSeconds(30));
}
catch (Exception e) when (e is OperationCanceledException or TimeoutException)
{
    Console.Error.WriteLine($"The bench did not finish within {options.Timeout.TotalSeconds:0} s.");
    return 1;
}

string report = ClusterBenchReport.Write(command, options, started, before, ClusterBenchReport.MachineState(), rows, hops);
Console.WriteLine(report);
if (options.Output is not null)
{
    await File.WriteAllTextAsync(options.Output, report);
    Console.Error.WriteLine($"Written to {options.Output}.");
}

return rows.All(r => r.Sides.All(s => s.Same)) && hops.All(h => h.Failed == 0) ? 0 : 1;
