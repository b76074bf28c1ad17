using System.Text.Json;
using Xunit.Abstractions;

namespace ToolFlow.StreamParsers.Tests;

/// <summary>
/// Holds every registered format to <c>partial.jsonl</c> (llama.cpp's <c>is_partial</c> expectations): a prefix of a
/// response, cut mid-call, must not yield a completed call, however it is chunked, unless the call's arguments are
/// already closed in the prefix (early completion: llama.cpp then shows the call with complete arguments text).
/// </summary>
/// <remarks>
/// The prefix is appended but the parser is not completed: the stream has not ended, so nothing may be decided as if
/// it had. Where the expected reasoning starts the prefix without an opening marker, the parser is told that the
/// reasoning block started open (<see cref="ToolCallParserOptions.ReasoningStartsOpen"/>).
/// </remarks>
public sealed class PartialConformanceTests(ITestOutputHelper output)
{
    private static readonly Lazy<IReadOnlyList<PartialCase>> s_cases = new(Load);

    public static TheoryData<string> RegisteredPartialFormats()
    {
        var data = new TheoryData<string>();
        foreach (string format in s_cases.Value.Select(c => c.Format).Distinct().Order(StringComparer.Ordinal))
        {
            if (ToolCallFormatRegistry.Default.Contains(format))
            {
                data.Add(format);
            }
        }

        return data;
    }

    [Fact]
    public void Corpus_PartialFile_HasPrefixes()
    {
        Assert.NotEmpty(s_cases.Value);
        Assert.All(s_cases.Value, c => Assert.False(string.IsNullOrEmpty(c.Prefix), c.Id));
    }

    [Theory]
    [MemberData(nameof(RegisteredPartialFormats))]
    public void Append_EveryPartialPrefix_NoCallCompletesBeforeItsArgumentsClose(string format)
    {
        var failures = new List<string>();
        int total = 0;
        foreach (PartialCase c in s_cases.Value.Where(c => c.Format == format))
        {
            total++;
            string? failure = Check(c);
            if (failure is not null)
            {
                failures.Add($"{c.Id}: {failure}");
            }
        }

        string summary = $"partial {format}: {total - failures.Count}/{total} passed";
        output.WriteLine(summary);
        Assert.True(failures.Count == 0, summary + "\n" + string.Join("\n\n", failures));
    }

    private static string? Check(PartialCase c)
    {
        foreach (string[] chunks in Splits(c.Prefix))
        {
            ToolCallTextParser parser = ToolCallFormatRegistry.Default.Create(c.Format, c.Options);
            var observer = new RecordingObserver();
            try
            {
                foreach (string chunk in chunks)
                {
                    parser.Append(chunk, observer);
                }
            }
            catch (Exception e)
            {
                return $"split [{Lengths(chunks)}] threw {e.GetType().Name}: {e.Message}";
            }

            IReadOnlyList<ParsedToolCall> calls = observer.Calls;
            if (calls.Count > c.ClosedCalls.Count)
            {
                return $"split [{Lengths(chunks)}]: {calls.Count} completed call(s) where {c.ClosedCalls.Count} may be complete: " +
                    string.Join("; ", calls.Select(RecordingObserver.Describe));
            }

            for (int i = 0; i < calls.Count; i++)
            {
                (string name, JsonElement arguments) = c.ClosedCalls[i];
                if (calls[i].Name != name || calls[i].Arguments is not JsonElement actual || !JsonElement.DeepEquals(actual, arguments))
                {
                    return $"split [{Lengths(chunks)}]: completed {RecordingObserver.Describe(calls[i])}, but the prefix shows {name} {arguments.GetRawText()}";
                }
            }
        }

        return null;
    }

    // Whole, one character at a time, at every single split point, and at real token boundaries.
    private static IEnumerable<string[]> Splits(string text)
    {
        yield return [text];
        yield return [.. text.Select(ch => ch.ToString())];
        for (int a = 1; a < text.Length; a++)
        {
            yield return [text[..a], text[a..]];
        }

        foreach ((string _, string[] chunks) in TokenBoundaries.Splits(text))
        {
            yield return chunks;
        }
    }

    private static string Lengths(string[] chunks) => string.Join(", ", chunks.Select(x => x.Length));

    private static IReadOnlyList<PartialCase> Load()
    {
        var cases = new List<PartialCase>();
        foreach (string line in File.ReadLines(Path.Combine(ConformanceCorpus.Directory, "partial.jsonl")))
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            using JsonDocument document = JsonDocument.Parse(line);
            JsonElement root = document.RootElement;
            var closed = new List<(string, JsonElement)>();
            if (root.TryGetProperty("expected_visible", out JsonElement visible) &&
                visible.TryGetProperty("tool_calls", out JsonElement toolCalls))
            {
                // A visible call whose arguments text is already a whole JSON object has closed arguments.
                foreach (JsonElement call in toolCalls.EnumerateArray())
                {
                    if (TryParseObject(call.GetProperty("arguments_text").GetString(), out JsonElement arguments))
                    {
                        closed.Add((call.GetProperty("name").GetString()!, arguments));
                    }
                    else
                    {
                        break;
                    }
                }
            }

            // Where the visible reasoning begins the prefix with no opening marker, the template opened the
            // reasoning block in the prompt (llama.cpp's thinking_forced_open).
            string prefix = root.GetProperty("prefix").GetString()!;
            string? reasoning = visible.ValueKind == JsonValueKind.Object && visible.TryGetProperty("reasoning", out JsonElement r) ? r.GetString() : null;
            bool startsOpen = !string.IsNullOrEmpty(reasoning) && prefix.StartsWith(reasoning[..Math.Min(reasoning.Length, 8)], StringComparison.Ordinal);
            cases.Add(new PartialCase(
                root.GetProperty("format").GetString()!,
                root.GetProperty("id").GetString()!,
                prefix,
                closed,
                startsOpen ? new ToolCallParserOptions { ReasoningStartsOpen = true } : ToolCallParserOptions.Default));
        }

        return cases;
    }

    private static bool TryParseObject(string? text, out JsonElement value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        try
        {
            value = JsonElement.Parse(text);
            return value.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private sealed record PartialCase(string Format, string Id, string Prefix, IReadOnlyList<(string Name, JsonElement Arguments)> ClosedCalls, ToolCallParserOptions Options);
}
