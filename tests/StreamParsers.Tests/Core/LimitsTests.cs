using System.Globalization;

namespace ToolFlow.StreamParsers.Tests;

/// <summary>
/// <see cref="ToolCallParserOptions"/> limits on several formats: a call over the argument size or nesting limit is
/// skipped with a diagnostic that names the limit, the calls after it still run, and calls past the per-response
/// limit are dropped with a diagnostic; the same at every split.
/// </summary>
public sealed class LimitsTests
{
    private const int MaxLength = 100;
    private const int MaxDepth = 5;
    private const int MaxCalls = 2;

    // Each format writes calls of one argument "v" (or one positional argument), whose value is written in the
    // syntax JSON and Python share: double-quoted strings, integers, lists.
    private static readonly Dictionary<string, Func<IReadOnlyList<(string Name, string Value)>, string>> s_writers = new()
    {
        ["hermes"] = calls => string.Join("\n", calls.Select(c => "<tool_call>" + JsonCall(c.Name, "arguments", c.Value) + "</tool_call>")),
        ["pythonic"] = calls => "[" + string.Join(", ", calls.Select(c => $"{c.Name}(v={c.Value})")) + "]",
        ["llama4_pythonic"] = calls => "<|python_start|>[" + string.Join(", ", calls.Select(c => $"{c.Name}(v={c.Value})")) + "]<|python_end|>",
        ["olmo3"] = calls => "<function_calls>" + string.Join("\n", calls.Select(c => $"{c.Name}(v={c.Value})")) + "</function_calls>",
        ["lfm2"] = calls => "<|tool_call_start|>[" + string.Join(", ", calls.Select(c => $"{c.Name}(v={c.Value})")) + "]<|tool_call_end|>",
        ["lfm2 (JSON)"] = calls => "<|tool_call_start|>[" + string.Join(", ", calls.Select(c => JsonCall(c.Name, "arguments", c.Value))) + "]<|tool_call_end|>",
        ["llmcompiler"] = calls => string.Concat(calls.Select((c, i) => $"{i + 1}. {c.Name}({c.Value})\n")),
        ["kimi_k2"] = calls => "<|tool_calls_section_begin|>" +
            string.Concat(calls.Select((c, i) => $"<|tool_call_begin|>functions.{c.Name}:{i}<|tool_call_argument_begin|>" + "{\"v\": " + c.Value + "}<|tool_call_end|>")) +
            "<|tool_calls_section_end|>",
        ["llama3_json"] = calls => string.Join("; ", calls.Select(c => JsonCall(c.Name, "parameters", c.Value))),
    };

    public static TheoryData<string> Formats()
    {
        var data = new TheoryData<string>();
        foreach (string label in s_writers.Keys)
        {
            if (ToolCallFormatRegistry.Default.Contains(FormatOf(label)))
            {
                data.Add(label);
            }
        }

        return data;
    }

    [Fact]
    public void Formats_SeveralRegistered_AtLeastSixCovered()
    {
        Assert.True(Formats().Count >= 6);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Parse_ArgumentsLongerThanLimit_CallSkippedWithDiagnosticAndNextCallRuns(string label)
    {
        string big = "\"" + new string('x', 3 * MaxLength) + "\"";
        var options = new ToolCallParserOptions { MaxArgumentsLength = MaxLength };

        RecordingObserver whole = RunEverySplit(label, options, [("big", big), ("small", "1")]);

        Assert.Equal(["small"], whole.Calls.Select(c => c.Name));
        ParserDiagnostic diagnostic = Assert.Single(whole.Diagnostics, d => d.Code == ParserDiagnosticCodes.ArgumentsTooLong);
        Assert.Contains(MaxLength.ToString(CultureInfo.InvariantCulture), diagnostic.Message, StringComparison.Ordinal);
        foreach ((int index, _, _) in whole.Started)
        {
            Assert.True(whole.ArgumentsOf(index).Length <= MaxLength, $"call {index} reported {whole.ArgumentsOf(index).Length} characters of arguments");
        }
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Parse_ArgumentsDeeperThanLimit_CallSkippedWithDiagnosticAndNextCallRuns(string label)
    {
        const int Depth = 2 * MaxDepth;
        string deep = new string('[', Depth) + "1" + new string(']', Depth);
        var options = new ToolCallParserOptions { MaxDepth = MaxDepth };

        RecordingObserver whole = RunEverySplit(label, options, [("deep", deep), ("small", "[[1]]")]);

        Assert.Equal(["small"], whole.Calls.Select(c => c.Name));
        ParserDiagnostic diagnostic = Assert.Single(whole.Diagnostics, d => d.Code == ParserDiagnosticCodes.ArgumentsTooDeep);
        Assert.Contains(MaxDepth.ToString(CultureInfo.InvariantCulture), diagnostic.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Parse_MoreCallsThanLimit_ExtraCallsDroppedWithDiagnostic(string label)
    {
        var options = new ToolCallParserOptions { MaxCallsPerResponse = MaxCalls };

        RecordingObserver whole = RunEverySplit(label, options, [("a", "1"), ("b", "2"), ("c", "3"), ("d", "4")]);

        Assert.Equal(["a", "b"], whole.Calls.Select(c => c.Name));
        Assert.Equal([0, 1], whole.Calls.Select(c => c.Index));
        ParserDiagnostic diagnostic = whole.Diagnostics.First(d => d.Code == ParserDiagnosticCodes.TooManyCalls);
        Assert.Contains(MaxCalls.ToString(CultureInfo.InvariantCulture), diagnostic.Message, StringComparison.Ordinal);
    }

    // Runs the input whole, a character at a time and at every split point, checks that all give the same events,
    // and returns the events of the whole input.
    private static RecordingObserver RunEverySplit(string label, ToolCallParserOptions options, IReadOnlyList<(string Name, string Value)> calls)
    {
        string input = s_writers[label](calls);
        Func<ToolCallTextParser> create = () => ToolCallFormatRegistry.Default.Create(FormatOf(label), options);
        RecordingObserver whole = TextParserHarness.Run(create, input);
        TextParserHarness.AssertWellFormed(whole, input);
        IReadOnlyList<string> expected = whole.Normalized();
        IEnumerable<string[]> splits = new[] { input.Select(ch => ch.ToString()).ToArray() }
            .Concat(Enumerable.Range(1, input.Length - 1).Select(a => new[] { input[..a], input[a..] }));
        foreach (string[] chunks in splits)
        {
            IReadOnlyList<string> actual = TextParserHarness.Run(create, chunks).Normalized();
            Assert.True(
                expected.SequenceEqual(actual),
                $"Split [{string.Join(", ", chunks.Select(c => c.Length))}] differs.\nExpected:\n  {string.Join("\n  ", expected)}\nActual:\n  {string.Join("\n  ", actual)}");
        }

        return whole;
    }

    private static string JsonCall(string name, string argumentsKey, string value) =>
        "{\"name\": \"" + name + "\", \"" + argumentsKey + "\": {\"v\": " + value + "}}";

    private static string FormatOf(string label) => label.Split(' ')[0];
}
