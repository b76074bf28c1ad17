using System.Text.Json;
using Xunit.Abstractions;

namespace ToolFlow.StreamParsers.Tests;

/// <summary>
/// Holds every registered format to <c>malformed.jsonl</c> (vLLM's common parser tests): each malformed input, fed
/// whole, one character at a time and split at every point, finishes without an exception or a hang and reports at
/// least one diagnostic. Every registered format is also fed every malformed input of every format, and must not
/// throw or hang on it.
/// </summary>
public sealed class MalformedConformanceTests(ITestOutputHelper output)
{
    // Far above what any input here needs; only a parser that loops forever reaches it.
    private static readonly TimeSpan s_hangLimit = TimeSpan.FromSeconds(60);

    private static readonly Lazy<IReadOnlyList<MalformedCase>> s_cases = new(Load);

    public static TheoryData<string> RegisteredMalformedFormats()
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

    public static TheoryData<string> RegisteredFormats()
    {
        var data = new TheoryData<string>();
        foreach (string format in ToolCallFormatRegistry.Default.Names)
        {
            data.Add(format);
        }

        return data;
    }

    [Fact]
    public void Corpus_MalformedFile_HasInputs()
    {
        Assert.NotEmpty(s_cases.Value);
        Assert.All(s_cases.Value, c => Assert.False(string.IsNullOrEmpty(c.Text)));
    }

    [Theory]
    [MemberData(nameof(RegisteredMalformedFormats))]
    public async Task Parse_EveryMalformedInput_FinishesWithADiagnostic(string format)
    {
        var failures = new List<string>();
        int total = 0;
        foreach (MalformedCase c in s_cases.Value.Where(c => c.Format == format))
        {
            total++;
            string? failure = await RunWithinLimitAsync(() => Check(format, c.Text, requireDiagnostic: true));
            if (failure is not null)
            {
                failures.Add($"{c.Text}: {failure}");
            }
        }

        string summary = $"malformed {format}: {total - failures.Count}/{total} passed";
        output.WriteLine(summary);
        Assert.True(failures.Count == 0, summary + "\n" + string.Join("\n\n", failures));
    }

    [Theory]
    [MemberData(nameof(RegisteredFormats))]
    public async Task Parse_AnyMalformedInput_NeverThrowsOrHangs(string format)
    {
        var failures = new List<string>();
        foreach (MalformedCase c in s_cases.Value)
        {
            string? failure = await RunWithinLimitAsync(() => Check(format, c.Text, requireDiagnostic: false));
            if (failure is not null)
            {
                failures.Add($"{c.Format} input {c.Text}: {failure}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
    }

    private static string? Check(string format, string text, bool requireDiagnostic)
    {
        foreach (string[] chunks in Splits(text))
        {
            RecordingObserver observer;
            try
            {
                observer = TextParserHarness.Run(() => ToolCallFormatRegistry.Default.Create(format), chunks);
            }
            catch (Exception e)
            {
                return $"split [{string.Join(", ", chunks.Select(x => x.Length))}] threw {e.GetType().Name}: {e.Message}";
            }

            if (requireDiagnostic && observer.Diagnostics.Count == 0)
            {
                return $"split [{string.Join(", ", chunks.Select(x => x.Length))}] reported no diagnostic:\n  {string.Join("\n  ", observer.Normalized())}";
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

    private static async Task<string?> RunWithinLimitAsync(Func<string?> check)
    {
        try
        {
            return await Task.Run(check).WaitAsync(s_hangLimit);
        }
        catch (TimeoutException)
        {
            return $"did not finish within {s_hangLimit.TotalSeconds} seconds (a hang)";
        }
    }

    private static IReadOnlyList<MalformedCase> Load()
    {
        var cases = new List<MalformedCase>();
        foreach (string line in File.ReadLines(Path.Combine(ConformanceCorpus.Directory, "malformed.jsonl")))
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            using JsonDocument document = JsonDocument.Parse(line);
            JsonElement root = document.RootElement;
            cases.Add(new MalformedCase(root.GetProperty("format").GetString()!, root.GetProperty("text").GetString()!));
        }

        return cases;
    }

    private sealed record MalformedCase(string Format, string Text);
}
