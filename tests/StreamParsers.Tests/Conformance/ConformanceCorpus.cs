using System.Text.Json;

namespace ToolFlow.StreamParsers.Tests;

/// <summary>An expected call of a conformance case.</summary>
internal sealed record ConformanceCall(string Name, JsonElement Arguments);

/// <summary>A case of <c>cases.jsonl</c> as the conformance runner uses it; <see cref="Raw"/> keeps every field.</summary>
internal sealed record FullCase(
    string Format,
    string Id,
    string Text,
    IReadOnlyList<JsonElement> Calls,
    bool HasContent,
    string? Content,
    string[]? Chunks,
    ToolCallParserOptions Options,
    JsonElement Raw);

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

    /// <summary>Every complete-output case of every format, with what a parser needs to run it.</summary>
    public static IReadOnlyList<FullCase> FullCases() => s_fullCases.Value;

    private static readonly Lazy<IReadOnlyList<FullCase>> s_fullCases = new(LoadFullCases);

    private static IReadOnlyList<FullCase> LoadFullCases()
    {
        var cases = new List<FullCase>();
        foreach (string line in File.ReadLines(Path.Combine(Directory, "cases.jsonl")))
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            JsonElement root = JsonDocument.Parse(line).RootElement;
            Dictionary<string, JsonElement>? schemas = null;
            if (root.TryGetProperty("tools", out JsonElement tools) && tools.ValueKind == JsonValueKind.Array)
            {
                schemas = [];
                foreach (JsonElement tool in tools.EnumerateArray())
                {
                    JsonElement function = tool.TryGetProperty("function", out JsonElement f) ? f : tool;
                    if (function.TryGetProperty("name", out JsonElement name) && function.TryGetProperty("parameters", out JsonElement parameters))
                    {
                        schemas[name.GetString()!] = parameters;
                    }
                }
            }

            string[]? chunks = root.TryGetProperty("chunks", out JsonElement c) && c.ValueKind == JsonValueKind.Array
                ? [.. c.EnumerateArray().Select(x => x.GetString()!)]
                : null;
            bool hasContent = root.TryGetProperty("content", out JsonElement content);
            cases.Add(new FullCase(
                root.GetProperty("format").GetString()!,
                root.GetProperty("id").GetString()!,
                root.GetProperty("text").GetString()!,
                [.. root.GetProperty("calls").EnumerateArray()],
                hasContent,
                hasContent && content.ValueKind == JsonValueKind.String ? content.GetString() : null,
                chunks,
                new ToolCallParserOptions
                {
                    ToolSchemas = schemas,

                    // The case's template opened <think> in the prompt (llama.cpp's thinking_forced_open): its note says
                    // so, or the output closes a reasoning block it never opened.
                    ReasoningStartsOpen = ThinkingForcedOpen(root) ? true : null,
                },
                root));
        }

        return cases;
    }

    private static bool ThinkingForcedOpen(JsonElement root)
    {
        string text = root.GetProperty("text").GetString()!;
        return (root.TryGetProperty("note", out JsonElement note) && note.GetString()!.Contains("thinking enabled", StringComparison.Ordinal))
            || (text.Contains("</think>", StringComparison.Ordinal) && !text.Contains("<think>", StringComparison.Ordinal));
    }

    /// <summary>The lines of a recorded provider stream under <c>sse/</c>.</summary>
    public static IEnumerable<string> StreamLines(string fileName) =>
        File.ReadLines(Path.Combine(Directory, "sse", fileName));

    private static string FindDirectory() => FindDirectory(SourceDirectory());

    // Where this file was compiled from: the corpus sits beside the repository, wherever the build output goes.
    private static string SourceDirectory([System.Runtime.CompilerServices.CallerFilePath] string path = "") => Path.GetDirectoryName(path) ?? string.Empty;

    private static string FindDirectory(string sourceDirectory)
    {
        foreach (string start in new[] { AppContext.BaseDirectory, sourceDirectory })
        {
            for (DirectoryInfo? directory = new(start); directory is not null; directory = directory.Parent)
            {
                string candidate = Path.Combine(directory.FullName, "shared", "conformance", "parsers");
                if (File.Exists(Path.Combine(candidate, "cases.jsonl")))
                {
                    return candidate;
                }
            }
        }

        throw new DirectoryNotFoundException("The shared conformance corpus (../shared/conformance/parsers) was not found above " + AppContext.BaseDirectory);
    }
}
