using System.Globalization;
using ToolFlow.Profiling;

namespace ToolFlow.ClusterBench;

/// <summary>What one cluster bench run does; <see cref="Parse"/> reads it from the command line.</summary>
public sealed class ClusterBenchOptions
{
    /// <summary>The usage line.</summary>
    public const string Usage =
        "Usage: ToolFlow.ClusterBench [--cluster N[,N...] (silos, 1 to 8; default 1,3)] [--transport tcp|memory] [--scenario NAME|FILE]... [--scenarios-dir DIR] "
        + "[--strategy await|futures|sequential|after-decode|plan] [--runs N (1 to 100)] [--seed N] [--time-scale X (1 to 1000)] "
        + "[--concurrency N[,N...] (1 to 1024; default 1,16,64)] [--calls N (1 to 1000000; default 2000)] [--rounds N (1 to 100; default 3)] [--only scenarios|hop] "
        + "[--timeout SECONDS (1 to 86400)] [--out FILE]";

    /// <summary>The most rounds of the hop measurement.</summary>
    public const int MaxRounds = 100;

    /// <summary>The most runs per scenario and executor.</summary>
    public const int MaxRuns = 100;

    /// <summary>The most calls in flight in the hop measurement.</summary>
    public const int MaxConcurrency = 1024;

    /// <summary>The most calls per executor and concurrency in the hop measurement.</summary>
    public const int MaxCalls = 1_000_000;

    /// <summary>The fastest the scenarios' clock may run.</summary>
    public const double MaxTimeScale = 1000;

    /// <summary>The longest deadline, in seconds (one day).</summary>
    public const int MaxTimeoutSeconds = 86_400;

    /// <summary>The clusters to compare with local execution, by silo count. Default 1 and 3.</summary>
    public IReadOnlyList<int> Silos { get; set; } = [1, 3];

    /// <summary>How the silos talk. Default <see cref="ClusterTransport.Tcp"/>.</summary>
    public ClusterTransport Transport { get; set; } = ClusterTransport.Tcp;

    /// <summary>Scenario names (under the scenarios directory) or files. Default: every shipped scenario without an overloadable tool.</summary>
    public IReadOnlyList<string> Scenarios { get; set; } = [];

    /// <summary>Where shipped scenarios are; default <c>perf/scenarios</c> found from the current directory up.</summary>
    public string? ScenariosDirectory { get; set; }

    /// <summary>The ToolFlow strategy the scenarios run with. Default await.</summary>
    public ExecutionStrategy Strategy { get; set; } = ExecutionStrategy.Await;

    /// <summary>Runs per scenario and executor; run <c>r</c> uses seed <see cref="Seed"/> + r. Default 1.</summary>
    public int Runs { get; set; } = 1;

    /// <summary>The first run's seed. Default 1.</summary>
    public int Seed { get; set; } = 1;

    /// <summary>How much faster than real time the scenarios' clock runs. Default 1 (real time: the measurement).</summary>
    public double TimeScale { get; set; } = 1;

    /// <summary>The calls in flight at each step of the hop measurement. Default 1, 16 and 64.</summary>
    public IReadOnlyList<int> Concurrency { get; set; } = [1, 16, 64];

    /// <summary>No-op calls per executor and concurrency. Default 2,000.</summary>
    public int Calls { get; set; } = 2_000;

    /// <summary>
    /// Rounds of the hop measurement: each round measures every concurrency and executor once, in turn, and the report
    /// gives each figure's median over the rounds, so a burst of other work on the machine moves one round, not the
    /// result. Default 3.
    /// </summary>
    public int Rounds { get; set; } = 3;

    /// <summary>Whether the scenarios run. Default true.</summary>
    public bool RunScenarios { get; set; } = true;

    /// <summary>Whether the hop measurement runs. Default true.</summary>
    public bool RunHop { get; set; } = true;

    /// <summary>Where the report is written besides the console, or <see langword="null"/>.</summary>
    public string? Output { get; set; }

    /// <summary>The whole run's deadline. Default 600 s.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(600);

    /// <summary>Reads the options from the command line.</summary>
    /// <param name="args">The arguments.</param>
    /// <returns>The options.</returns>
    /// <exception cref="ArgumentException">An unknown option, a missing value, or a value out of its range, named.</exception>
    public static ClusterBenchOptions Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var options = new ClusterBenchOptions();
        var scenarios = new List<string>();
        for (int i = 0; i < args.Count; i++)
        {
            string name = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{name} needs a value.");
            switch (name)
            {
                case "--cluster":
                    options.Silos = Counts(name, Value(), 1, ClusterRig.MaxSilos);
                    break;
                case "--transport":
                    string transport = Value();
                    options.Transport = transport switch
                    {
                        "tcp" => ClusterTransport.Tcp,
                        "memory" => ClusterTransport.Memory,
                        _ => throw new ArgumentException($"--transport is tcp or memory ('{transport}')."),
                    };
                    break;
                case "--scenario":
                    scenarios.Add(Value());
                    break;
                case "--scenarios-dir":
                    options.ScenariosDirectory = Value();
                    break;
                case "--strategy":
                    options.Strategy = ParseStrategy(Value());
                    break;
                case "--runs":
                    options.Runs = Count(name, Value(), 1, MaxRuns);
                    break;
                case "--seed":
                    options.Seed = Count(name, Value(), 0, int.MaxValue);
                    break;
                case "--time-scale":
                    options.TimeScale = Scale(Value());
                    break;
                case "--concurrency":
                    options.Concurrency = Counts(name, Value(), 1, MaxConcurrency);
                    break;
                case "--calls":
                    options.Calls = Count(name, Value(), 1, MaxCalls);
                    break;
                case "--rounds":
                    options.Rounds = Count(name, Value(), 1, MaxRounds);
                    break;
                case "--only":
                    string only = Value();
                    (options.RunScenarios, options.RunHop) = only switch
                    {
                        "scenarios" => (true, false),
                        "hop" => (false, true),
                        _ => throw new ArgumentException($"--only is scenarios or hop ('{only}')."),
                    };
                    break;
                case "--timeout":
                    options.Timeout = TimeSpan.FromSeconds(Count(name, Value(), 1, MaxTimeoutSeconds));
                    break;
                case "--out":
                    options.Output = Value();
                    break;
                default:
                    throw new ArgumentException($"Unknown option '{name}'.");
            }
        }

        options.Scenarios = scenarios;
        return options;
    }

    private static int Count(string name, string text, int min, int max) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= min && n <= max
            ? n
            : throw new ArgumentException($"{name} is a whole number from {min} to {max} ('{text}').");

    // A list of counts, each in range, repeats dropped, in the order given.
    private static int[] Counts(string name, string text, int min, int max) =>
        [.. text.Split(',').Select(t => Count(name, t.Trim(), min, max)).Distinct()];

    private static double Scale(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double x) && x >= 1 && x <= MaxTimeScale
            ? x
            : throw new ArgumentException($"--time-scale is a number from 1 to {MaxTimeScale} ('{text}').");

    private static ExecutionStrategy ParseStrategy(string text)
    {
        if (!ExecutionStrategyExtensions.TryParse(text, out ExecutionStrategy strategy))
        {
            throw new ArgumentException($"Unknown strategy '{text}'; the strategies are await, futures, sequential, after-decode, plan.");
        }

        return strategy.RealLibrary() is { } library
            ? throw new ArgumentException($"The strategy '{text}' runs {library} with its own tools, which cannot run on a cluster; use await, futures, sequential, after-decode or plan.")
            : strategy;
    }
}
