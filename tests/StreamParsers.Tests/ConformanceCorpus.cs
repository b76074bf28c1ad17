using System.Text.Json;

namespace ToolFlow.StreamParsers.Tests;

/// <summary>An expected call of a conformance case.</summary>
internal sealed record ConformanceCall(string Name, JsonElement Arguments);

/// <summary>One complete-output case of the shared parser conformance corpus.</summary>
internal sealed record ConformanceCase(
    string Id,
    string Text,
    IReadOnlyList<ConformanceCall> ExpectedCalls,
    string? ExpectedContent,
    bool HasReasoning);

/// <summary>
/// Reads the shared conformance corpus (<c>../shared/conformance/parsers</c> next to the repository) in place;
/// the data is not copied into the project.
/// </summary>
internal static class ConformanceCorpus
{
    private static readonly Lazy<string> s_directory = new(FindDirectory);

    public static string Directory => s_directory.Value;

    public static IEnumerable<ConformanceCase> Cases(string format)
    {
        foreach (string line in File.ReadLines(Path.Combine(Directory, "cases.jsonl")))
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            using JsonDocument document = JsonDocument.Parse(line);
            JsonElement root = document.RootElement;
            if (root.GetProperty("format").GetString() != format)
            {
                continue;
            }

            var calls = root.GetProperty("calls").EnumerateArray()
                .Select(c => new ConformanceCall(c.GetProperty("name").GetString()!, c.GetProperty("arguments").Clone()))
                .ToList();
            string? content = root.TryGetProperty("content", out JsonElement value) && value.ValueKind == JsonValueKind.String
                ? value.GetString()
                : null;
            yield return new ConformanceCase(
                root.GetProperty("id").GetString()!,
                root.GetProperty("text").GetString()!,
                calls,
                content,
                root.TryGetProperty("reasoning", out _));
        }
    }

    /// <summary>The lines of a recorded provider stream under <c>sse/</c>.</summary>
    public static IEnumerable<string> StreamLines(string fileName) =>
        File.ReadLines(Path.Combine(Directory, "sse", fileName));

    private static string FindDirectory()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            string candidate = Path.Combine(directory.FullName, "shared", "conformance", "parsers");
            if (File.Exists(Path.Combine(candidate, "cases.jsonl")))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("The shared conformance corpus (../shared/conformance/parsers) was not found above " + AppContext.BaseDirectory);
    }
}
