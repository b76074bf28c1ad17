using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ToolFlow.Cli.Bench;

/// <summary>Writes bench results as tables or as the JSON of the command contract.</summary>
internal static class BenchReport
{
    public static string ToJson(IReadOnlyList<BenchScenarioResult> results)
    {
        var scenarios = new JsonArray();
        foreach (BenchScenarioResult r in results)
        {
            var strategies = new JsonArray();
            foreach (BenchStrategyResult s in r.Strategies)
            {
                strategies.Add(new JsonObject
                {
                    ["name"] = s.Name,
                    ["runner"] = s.Runner,
                    ["realLibrary"] = s.RealLibrary,
                    ["p50Ms"] = Round(s.P50Ms),
                    ["p95Ms"] = Round(s.P95Ms),
                    ["firstToolStartP50Ms"] = s.FirstToolStartP50Ms is { } f ? Round(f) : null,
                    ["ratioToLowerBound"] = Math.Round(s.RatioToLowerBound, 4),
                    ["ratioToAfterDecode"] = s.RatioToAfterDecode is { } a ? Math.Round(a, 4) : null,
                });
            }

            scenarios.Add(new JsonObject { ["name"] = r.Name, ["lowerBoundMs"] = Round(r.LowerBoundMs), ["strategies"] = strategies });
        }

        return new JsonObject { ["scenarios"] = scenarios }.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
    }

    public static void WriteTables(IReadOnlyList<BenchScenarioResult> results, TextWriter output)
    {
        CultureInfo c = CultureInfo.InvariantCulture;
        foreach (BenchScenarioResult r in results)
        {
            output.WriteLine(string.Create(c, $"{TerminalText.OneLine(r.Name)}: lower bound {r.LowerBoundMs:F1} ms"));
            int runnerWidth = r.Strategies.Max(s => s.Runner.Length);
            output.WriteLine($"| {"strategy",-16} | {"first tool ms",13} | {"p50 ms",9} | {"p95 ms",9} | {"/ lower bound",13} | {"/ after-decode",14} | {"runner".PadRight(runnerWidth)} |");
            output.WriteLine($"|{new string('-', 18)}|{new string('-', 15)}|{new string('-', 11)}|{new string('-', 11)}|{new string('-', 15)}|{new string('-', 16)}|{new string('-', runnerWidth + 2)}|");
            foreach (BenchStrategyResult s in r.Strategies)
            {
                string ad = s.RatioToAfterDecode is { } a ? a.ToString("F3", c) + "x" : "-";
                string first = s.FirstToolStartP50Ms is { } f ? f.ToString("F1", c) : "-";
                output.WriteLine(string.Create(c, $"| {s.Name,-16} | {first,13} | {s.P50Ms,9:F1} | {s.P95Ms,9:F1} | {s.RatioToLowerBound.ToString("F3", c) + "x",13} | {ad,14} | {s.Runner.PadRight(runnerWidth)} |"));
            }

            output.WriteLine();
        }
    }

    private static double Round(double value) => Math.Round(value, 2);
}
