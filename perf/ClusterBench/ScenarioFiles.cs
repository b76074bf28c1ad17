using ToolFlow.Profiling;

namespace ToolFlow.ClusterBench;

/// <summary>Finds the scenarios a run names: shipped ones by name under <c>perf/scenarios</c>, or files.</summary>
public static class ScenarioFiles
{
    /// <summary>Loads the scenarios.</summary>
    /// <param name="names">Names or files; none for every shipped scenario without an overloadable tool (those measure widths).</param>
    /// <param name="directory">Where shipped scenarios are, or <see langword="null"/> to look for <c>perf/scenarios</c> from the current directory up.</param>
    /// <param name="strategy">The strategy: plan runs only plan scenarios of the shipped set.</param>
    /// <returns>The scenarios.</returns>
    /// <exception cref="ArgumentException">A name that is neither a file nor a shipped scenario, or no directory found.</exception>
    public static IReadOnlyList<Scenario> Load(IReadOnlyList<string> names, string? directory, ExecutionStrategy strategy)
    {
        ArgumentNullException.ThrowIfNull(names);
        directory ??= Find();
        if (names.Count == 0)
        {
            if (directory is null)
            {
                throw new ArgumentException("No perf/scenarios directory found from here up; pass --scenario FILE or --scenarios-dir DIR.");
            }

            return [.. Directory.GetFiles(directory, "*.json").Order(StringComparer.Ordinal).Select(ScenarioLoader.Load)
                .Where(s => !s.HasOverload && strategy.AppliesTo(s))];
        }

        return [.. names.Select(n => File.Exists(n) ? ScenarioLoader.Load(n)
            : directory is not null && File.Exists(Path.Combine(directory, n + ".json")) ? ScenarioLoader.Load(Path.Combine(directory, n + ".json"))
            : throw new ArgumentException($"No scenario '{n}': not a file, and not in {directory ?? "perf/scenarios (not found)"}."))];
    }

    private static string? Find()
    {
        for (DirectoryInfo? d = new(Directory.GetCurrentDirectory()); d is not null; d = d.Parent)
        {
            string candidate = Path.Combine(d.FullName, "perf", "scenarios");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
