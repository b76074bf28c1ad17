using System.Runtime.CompilerServices;
using System.Text.Json;

namespace ToolFlow.Pipeline.Tests;

/// <summary>The llmcompiler cases of the shared parser corpus: plan text and each step's dependencies.</summary>
internal static class PlanCorpus
{
    private static readonly Lazy<IReadOnlyList<Case>> s_cases = new(Load);

    public static IReadOnlyList<Case> Cases() => s_cases.Value;

    private static IReadOnlyList<Case> Load()
    {
        var cases = new List<Case>();
        int n = 0;
        foreach (string line in File.ReadLines(Path.Combine(Find(), "cases.jsonl")))
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            JsonElement root = JsonDocument.Parse(line).RootElement;
            if (root.GetProperty("format").GetString() != "llmcompiler")
            {
                continue;
            }

            var steps = new Dictionary<string, (string Name, int[] Deps)>();
            foreach (JsonElement call in root.GetProperty("calls").EnumerateArray())
            {
                steps[call.GetProperty("idx").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture)] =
                    (call.GetProperty("name").GetString()!, [.. call.GetProperty("deps").EnumerateArray().Select(d => d.GetInt32())]);
            }

            cases.Add(new Case($"{++n}:{root.GetProperty("id").GetString()}", root.GetProperty("text").GetString()!, steps));
        }

        return cases;
    }

    private static string Find([CallerFilePath] string source = "")
    {
        foreach (string start in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(source) ?? "." })
        {
            for (DirectoryInfo? d = new(start); d is not null; d = d.Parent)
            {
                string candidate = Path.Combine(d.FullName, "shared", "conformance", "parsers");
                if (File.Exists(Path.Combine(candidate, "cases.jsonl")))
                {
                    return candidate;
                }
            }
        }

        throw new DirectoryNotFoundException("The shared conformance corpus (../shared/conformance/parsers) was not found.");
    }

    internal sealed record Case(string Id, string Text, IReadOnlyDictionary<string, (string Name, int[] Deps)> Steps);
}
