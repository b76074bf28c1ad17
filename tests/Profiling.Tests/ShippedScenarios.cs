using System.Runtime.CompilerServices;
using ToolFlow.Profiling;

namespace ToolFlow.Profiling.Tests;

/// <summary>The scenarios under perf/scenarios, found from this source file (build outputs may live anywhere).</summary>
internal static class ShippedScenarios
{
    public static string Directory { get; } = Find();

    public static Scenario Load(string name) => ScenarioLoader.Load(Path.Combine(Directory, name + ".json"));

    private static string Find([CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", "perf", "scenarios"));
}
