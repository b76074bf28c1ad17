namespace ToolFlow.StreamParsers.Tests;

public sealed class PythonicParserCoreTests
{
    // Pieces of every syntax the pythonic formats and LLMCompiler plans know, and of what breaks them.
    private static readonly string[] s_fragments =
    [
        "[", "]", "(", ")", "{", "}", ",", "=", ":", " ", "\n", "'", "\"", "'''", "\\", "\\'", "x", "f", "get_weather",
        "1", "-2.5", "0x1F", "True", "None", "null", "a=", "city='Paris'", "[f(a=1)]", "f(", "g()", "$1", "${2}",
        "<|python_start|>", "<|python_end|>", "<function_calls>", "</function_calls>", "<|tool_call_start|>",
        "<|tool_call_end|>", "<think>", "</think>", "<", "|", "{\"name\": \"f\", \"arguments\": {\"a\": 1}}",
        "{\"name\"", "1. ", "2. search(", "Thought: ", "join()", "<END_OF_PLAN>", "杭州", "🎉",
    ];

    public static TheoryData<string> Formats() => ["pythonic", "llama4_pythonic", "olmo3", "lfm2", "llmcompiler"];

    [Theory]
    [MemberData(nameof(Formats))]
    public void Append_RandomFragments_SameEventsAtEverySplitAndWellFormed(string format)
    {
        var random = new Random(format.Length * 7919);
        var options = new ToolCallParserOptions { MaxArgumentsLength = 40, MaxDepth = 3, MaxCallsPerResponse = 3 };
        Func<ToolCallTextParser> create = () => ToolCallFormatRegistry.Default.Create(format, options);
        int calls = 0;
        int diagnostics = 0;
        for (int n = 0; n < 300; n++)
        {
            string input = string.Concat(Enumerable.Range(0, random.Next(1, 24)).Select(_ => s_fragments[random.Next(s_fragments.Length)]));

            RecordingObserver whole = TextParserHarness.Run(create, input);
            TextParserHarness.AssertWellFormed(whole, input);
            calls += whole.Calls.Count;
            diagnostics += whole.Diagnostics.Count;
            IReadOnlyList<string> expected = whole.Normalized();
            IEnumerable<string[]> splits = new[] { input.Select(c => c.ToString()).ToArray() }
                .Concat(Enumerable.Range(1, input.Length - 1).Select(a => new[] { input[..a], input[a..] }));
            foreach (string[] chunks in splits)
            {
                IReadOnlyList<string> actual = TextParserHarness.Run(create, chunks).Normalized();
                Assert.True(
                    expected.SequenceEqual(actual),
                    $"Input {input}\nsplit [{string.Join(", ", chunks.Select(c => c.Length))}] differs.\nExpected:\n  {string.Join("\n  ", expected)}\nActual:\n  {string.Join("\n  ", actual)}");
            }
        }

        // The fragments make calls as well as errors.
        Assert.True(calls > 0 && diagnostics > 0, $"{calls} calls, {diagnostics} diagnostics");
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Append_TextWithoutCalls_EveryCharacterIsText(string format)
    {
        const string Input = "Plain [text] (with) brackets {and} 'quotes' and <tags> 1. items\nThought? no.\n";

        RecordingObserver whole = TextParserHarness.AssertSplitInvariant(() => ToolCallFormatRegistry.Default.Create(format), Input);

        Assert.Equal(Input, whole.Text);
        Assert.Empty(whole.Calls);
        Assert.Empty(whole.Diagnostics);
    }
}
