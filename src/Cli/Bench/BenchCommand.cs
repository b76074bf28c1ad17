using System.CommandLine;
using ToolFlow.Profiling;

namespace ToolFlow.Cli.Bench;

/// <summary>
/// <c>toolflow bench [--scenario NAME|FILE] [--strategy NAME|all] [--runs N] [--json] [--timeline FILE.html] [--seed N] [--time-scale X]</c>,
/// or <c>toolflow bench --caps 1,4,16,64,adaptive [--scenario NAME|FILE] [--runs N] [--json] [--seed N] [--time-scale X]</c> (see <see cref="WidthBench"/>).
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var scenario = new Option<string[]>("--scenario") { Description = "A shipped scenario's name (perf/scenarios/NAME.json) or a scenario file; repeatable. Default: every shipped scenario.", AllowMultipleArgumentsPerToken = false };
        var strategy = new Option<string>("--strategy")
        {
            Description = "Comma-separated, or all. ToolFlow's pipeline: sequential and after-decode (holding calls to the end of the stream, "
                + "as FunctionInvokingChatClient does, serial or concurrent), await, futures, plan (plan scenarios only). The real libraries "
                + "on the same stream: ficc and ficc-concurrent (Microsoft.Extensions.AI FunctionInvokingChatClient, AllowConcurrentInvocation), "
                + "agent and agent-concurrent (Microsoft.Agents.AI ChatClientAgent); they run a plan scenario's steps as ordinary tool calls.",
            DefaultValueFactory = _ => "all",
        };
        var runs = new Option<int>("--runs") { Description = "Runs per strategy (seeds seed, seed+1, ...).", DefaultValueFactory = _ => 3 };
        var json = new Option<bool>("--json") { Description = "Print {\"scenarios\": [{\"name\", \"lowerBoundMs\", \"strategies\": [{\"name\", \"runner\", \"realLibrary\", \"p50Ms\", \"p95Ms\", \"firstToolStartP50Ms\", ...}]}]}." };
        var timeline = new Option<string?>("--timeline") { Description = "Write a self-contained HTML Gantt chart of each strategy's first run." };
        var seed = new Option<int>("--seed") { Description = "The first run's seed.", DefaultValueFactory = _ => 1 };
        var timeScale = new Option<double>("--time-scale") { Description = "Run the clock this many times faster (a preview; real numbers come from 1, the default).", DefaultValueFactory = _ => 1 };
        var scenariosDir = new Option<string?>("--scenarios-dir") { Description = "Where shipped scenarios are; default perf/scenarios found from the current directory up, else the ones installed with toolflow." };
        var caps = new Option<string?>("--caps")
        {
            Description = "Instead of the strategies: run scenarios with an overloadable tool (default: the shipped ones) in await mode at each width, "
                + "comma-separated static caps and 'adaptive' (the adaptive limit, not told the capacity), for example 1,4,16,64,adaptive. "
                + "Without --caps, the default scenarios leave those out.",
        };
        var command = new Command("bench", "Run latency scenarios through each strategy side by side (ToolFlow's and the real FunctionInvokingChatClient and ChatClientAgent), against the analytic lower bound.")
        {
            scenario, strategy, runs, json, timeline, seed, timeScale, scenariosDir, caps,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                // Every usage error is found before the first run, not after minutes of them.
                IReadOnlyList<ExecutionStrategy> strategies = ParseStrategies(parse.GetValue(strategy) ?? "all");
                double scale = parse.GetValue(timeScale);
                Check(parse.GetValue(runs), scale, parse.GetValue(timeline));
                string[] names = parse.GetValue(scenario) ?? [];
                IReadOnlyList<ConcurrencyWidth>? widths = parse.GetValue(caps) is { } capsValue ? WidthBench.ParseWidths(capsValue) : null;
                IReadOnlyList<Scenario> scenarios = ForWidths(Resolve(names, parse.GetValue(scenariosDir)), names.Length == 0, widths is not null);
                TimeProvider clock = scale > 1 ? new AcceleratedTimeProvider(TimeProvider.System, scale) : TimeProvider.System;
                if (widths is not null)
                {
                    return await WidthBench.RunAsync(scenarios, widths, parse.GetValue(runs), parse.GetValue(seed), parse.GetValue(json), clock, null, parse.InvocationConfiguration.Output, cancellationToken);
                }

                return await RunAsync(scenarios, strategies, parse.GetValue(runs), parse.GetValue(seed), parse.GetValue(json), parse.GetValue(timeline), clock, null, parse.InvocationConfiguration.Output, warmUp: true, cancellationToken);
            }
            catch (Exception e) when (e is ScenarioException or ArgumentException)
            {
                // A scenario file may be a recorded run, so its messages can quote a model's text.
                await parse.InvocationConfiguration.Error.WriteLineAsync("toolflow bench: " + TerminalText.OneLine(e.Message));
                return 2;
            }
        });
        return command;
    }

    internal static async Task<int> RunAsync(
        IReadOnlyList<Scenario> scenarios,
        IReadOnlyList<ExecutionStrategy> strategies,
        int runs,
        int seed,
        bool json,
        string? timelinePath,
        TimeProvider clock,
        TaskScheduler? scheduler,
        TextWriter output,
        bool warmUp,
        CancellationToken cancellationToken)
    {
        var results = new List<BenchScenarioResult>();
        foreach (Scenario scenario in scenarios)
        {
            if (warmUp)
            {
                await BenchRunner.WarmUpAsync(scenario, strategies, cancellationToken);
            }

            BenchScenarioResult result = await BenchRunner.RunAsync(scenario, strategies, runs, seed, clock, scheduler, cancellationToken);
            results.Add(result);
            if (!json)
            {
                BenchReport.WriteTables([result], output);
            }
        }

        if (json)
        {
            await output.WriteLineAsync(BenchReport.ToJson(results));
        }

        if (timelinePath is not null)
        {
            await File.WriteAllTextAsync(timelinePath, TimelineHtml.Render(results), cancellationToken);
        }

        return 0;
    }

    /// <summary>Throws <see cref="ArgumentException"/> for a run count below 1, a clock speed that is not a positive number, or a timeline file that cannot be written.</summary>
    internal static void Check(int runs, double timeScale, string? timelinePath)
    {
        if (runs < 1)
        {
            throw new ArgumentException($"--runs must be at least 1 (got {runs}).");
        }

        if (!double.IsFinite(timeScale) || timeScale <= 0)
        {
            throw new ArgumentException($"--time-scale must be a positive number (got {timeScale.ToString(System.Globalization.CultureInfo.InvariantCulture)}).");
        }

        if (timelinePath is not null && OutputFile.Problem(timelinePath) is { } problem)
        {
            throw new ArgumentException($"cannot write --timeline to '{timelinePath}': {problem}.");
        }
    }

    internal static IReadOnlyList<ExecutionStrategy> ParseStrategies(string value)
    {
        if (string.Equals(value, "all", StringComparison.OrdinalIgnoreCase))
        {
            return ExecutionStrategyExtensions.All;
        }

        var list = new List<ExecutionStrategy>();
        foreach (string name in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            list.Add(ExecutionStrategyExtensions.TryParse(name, out ExecutionStrategy s)
                ? s
                : throw new ArgumentException($"Unknown strategy '{name}'; the strategies are {string.Join(", ", ExecutionStrategyExtensions.All.Select(x => x.ToName()))}, all."));
        }

        return list.Count > 0 ? list : throw new ArgumentException($"--strategy names no strategy (got '{value}'); the strategies are {string.Join(", ", ExecutionStrategyExtensions.All.Select(x => x.ToName()))}, all.");
    }

    internal static IReadOnlyList<Scenario> Resolve(IReadOnlyList<string> names, string? scenariosDir)
    {
        string? dir = scenariosDir ?? FindScenariosDirectory();
        if (names.Count == 0)
        {
            if (dir is null)
            {
                throw new ArgumentException("No perf/scenarios directory found from here up; pass --scenario FILE or --scenarios-dir DIR.");
            }

            return [.. Directory.GetFiles(dir, "*.json").Order(StringComparer.Ordinal).Select(ScenarioLoader.Load)];
        }

        return [.. names.Select(n =>
        {
            if (File.Exists(n))
            {
                return ScenarioLoader.Load(n);
            }

            string? shipped = dir is null ? null : Path.Combine(dir, n.EndsWith(".json", StringComparison.Ordinal) ? n : n + ".json");
            return shipped is not null && File.Exists(shipped)
                ? ScenarioLoader.Load(shipped)
                : throw new ArgumentException($"No scenario '{n}': not a file, and not in {dir ?? "perf/scenarios (not found)"}.");
        })];
    }

    // The shipped set splits in two: scenarios with an overloadable tool are run over widths (--caps), the others
    // over strategies. Scenarios named explicitly are taken as named.
    internal static IReadOnlyList<Scenario> ForWidths(IReadOnlyList<Scenario> scenarios, bool shippedSet, bool widths) =>
        shippedSet ? [.. scenarios.Where(s => s.HasOverload == widths)] : scenarios;

    internal static string? FindScenariosDirectory()
    {
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (DirectoryInfo? d = new(start); d is not null; d = d.Parent)
            {
                string candidate = Path.Combine(d.FullName, "perf", "scenarios");
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        // An installed tool carries the shipped scenarios beside its assembly.
        string beside = Path.Combine(AppContext.BaseDirectory, "scenarios");
        return Directory.Exists(beside) ? beside : null;
    }
}
