using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ToolFlow.Profiling;

namespace ToolFlow.Cli.Bench;

/// <summary>
/// <c>toolflow bench --caps 1,4,16,64,adaptive</c>: runs scenarios with overloadable tools at each width (static caps and
/// the adaptive limit) in await mode and prints, per width, the mean end to end over the runs, its ratio to the best
/// static cap, the rejections and retries per run, the mean width the service ran at, and the calls served.
/// </summary>
internal static class WidthBench
{
    /// <summary>The most widths one <c>--caps</c> may list.</summary>
    public const int MaxWidths = 32;

    /// <summary>Reads <c>--caps</c>: comma-separated whole numbers from 1 and <c>adaptive</c>, no repeats.</summary>
    /// <exception cref="ArgumentException">A width is neither, repeats, or there are none or too many.</exception>
    public static IReadOnlyList<ConcurrencyWidth> ParseWidths(string value)
    {
        var widths = new List<ConcurrencyWidth>();
        foreach (string part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            ConcurrencyWidth width;
            try
            {
                width = ConcurrencyWidth.Parse(part);
            }
            catch (ArgumentException)
            {
                throw new ArgumentException($"--caps: '{part}' is not a width; a width is a whole number from 1 or 'adaptive'.");
            }

            if (widths.Contains(width))
            {
                throw new ArgumentException($"--caps names {width} twice.");
            }

            widths.Add(width);
        }

        return widths.Count switch
        {
            0 => throw new ArgumentException($"--caps names no width (got '{value}'); for example --caps 1,4,16,64,adaptive."),
            > MaxWidths => throw new ArgumentException($"--caps names {widths.Count} widths; at most {MaxWidths}."),
            _ => widths,
        };
    }

    public static async Task<int> RunAsync(
        IReadOnlyList<Scenario> scenarios,
        IReadOnlyList<ConcurrencyWidth> widths,
        int runs,
        int seed,
        bool json,
        TimeProvider clock,
        TaskScheduler? scheduler,
        TextWriter output,
        CancellationToken cancellationToken)
    {
        if (scenarios.FirstOrDefault(s => !s.HasOverload) is { } plain)
        {
            throw new ArgumentException($"--caps: the scenario '{plain.Name}' has no tool with an \"overload\"; widths change nothing in it.");
        }

        var results = new JsonArray();
        foreach (Scenario scenario in scenarios)
        {
            var rows = new List<(ConcurrencyWidth Width, WidthRun[] Runs)>();
            foreach (ConcurrencyWidth width in widths)
            {
                var done = new WidthRun[runs];
                for (int r = 0; r < runs; r++)
                {
                    done[r] = await WidthHarness.RunAsync(scenario, width, seed + r, clock, scheduler, cancellationToken);
                }

                rows.Add((width, done));
            }

            double? best = rows.Where(r => r.Width.Cap is not null).Select(r => (double?)r.Runs.Average(x => x.EndToEndMs)).Min();
            if (json)
            {
                results.Add(ToJson(scenario, rows, best));
            }
            else
            {
                WriteTable(scenario, rows, best, output);
            }
        }

        if (json)
        {
            await output.WriteLineAsync(new JsonObject { ["scenarios"] = results }.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
        }

        return 0;
    }

    private static JsonObject ToJson(Scenario scenario, List<(ConcurrencyWidth Width, WidthRun[] Runs)> rows, double? best)
    {
        var widths = new JsonArray();
        foreach ((ConcurrencyWidth width, WidthRun[] runs) in rows)
        {
            double mean = runs.Average(x => x.EndToEndMs);
            widths.Add(new JsonObject
            {
                ["width"] = width.ToString(),
                ["endToEndMs"] = Math.Round(mean, 2),
                ["ratioToBestStatic"] = best is { } b ? Math.Round(mean / b, 4) : null,
                ["rejections"] = Math.Round(runs.Average(x => x.Rejections), 2),
                ["retries"] = Math.Round(runs.Average(x => x.Retries), 2),
                ["meanWidth"] = Math.Round(runs.Average(x => x.MeanWidth), 2),
                ["served"] = runs.Sum(x => x.Served),
                ["calls"] = runs.Sum(x => x.Calls),
            });
        }

        return new JsonObject { ["name"] = scenario.Name, ["runs"] = rows[0].Runs.Length, ["widths"] = widths };
    }

    private static void WriteTable(Scenario scenario, List<(ConcurrencyWidth Width, WidthRun[] Runs)> rows, double? best, TextWriter output)
    {
        CultureInfo c = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(c, $"{TerminalText.OneLine(scenario.Name)}: {rows[0].Runs.Length} run(s) per width, await mode"));
        output.WriteLine($"| {"width",-8} | {"end to end ms",13} | {"/ best static",13} | {"rejections",10} | {"retries",8} | {"mean width",10} | {"served",11} |");
        output.WriteLine($"|{new string('-', 10)}|{new string('-', 15)}|{new string('-', 15)}|{new string('-', 12)}|{new string('-', 10)}|{new string('-', 12)}|{new string('-', 13)}|");
        foreach ((ConcurrencyWidth width, WidthRun[] runs) in rows)
        {
            double mean = runs.Average(x => x.EndToEndMs);
            string ratio = best is { } b ? (mean / b).ToString("F3", c) + "x" : "-";
            string served = $"{runs.Sum(x => x.Served)}/{runs.Sum(x => x.Calls)}";
            output.WriteLine(string.Create(c, $"| {width,-8} | {mean,13:F1} | {ratio,13} | {runs.Average(x => x.Rejections),10:F1} | {runs.Average(x => x.Retries),8:F1} | {runs.Average(x => x.MeanWidth),10:F2} | {served,11} |"));
        }

        output.WriteLine();
    }
}
