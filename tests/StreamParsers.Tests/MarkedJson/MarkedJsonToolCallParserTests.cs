using System.Text.Json;
using Xunit.Abstractions;

namespace ToolFlow.StreamParsers.Tests;

public sealed class MarkedJsonToolCallParserTests(ITestOutputHelper output)
{
    /// <summary>Inputs up to this long are also split at every pair of points, as in <see cref="ConformanceTests"/>.</summary>

    private static readonly ToolCallParserOptions s_weatherSchema = new()
    {
        ToolSchemas = new Dictionary<string, JsonElement>
        {
            ["get_weather"] = JsonElement.Parse("""{"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer"},"metric":{"type":"boolean"},"tags":{"type":"array"}}}"""),
        },
    };

    public static TheoryData<string> CorpusFormats()
    {
        var data = new TheoryData<string>();
        foreach (string format in ConformanceCorpus.FullCases().Select(c => c.Format).Distinct().Order(StringComparer.Ordinal))
        {
            if (MarkedJsonToolCallParser.Formats.Contains(format))
            {
                data.Add(format);
            }
        }

        return data;
    }

    /// <summary>
    /// Every corpus case of every format this parser reads (hermes included, which the shared runner leaves to
    /// <see cref="HermesToolCallParser"/>), whole, in its own chunks and at every split. A case that states reasoning
    /// while its text has no reasoning start marker was recorded with a prompt that opened the reasoning, so it runs
    /// with <see cref="ToolCallParserOptions.ReasoningStartsOpen"/> (the corpus sets it only where its note says so).
    /// </summary>
    [Theory]
    [MemberData(nameof(CorpusFormats))]
    public void Append_CorpusCases_MatchAtEverySplit(string format)
    {
        var failures = new List<string>();
        int total = 0;
        foreach (FullCase c in ConformanceCorpus.FullCases().Where(c => c.Format == format))
        {
            total++;
            if (KnownDisagreements.Contains(c.Id))
            {
                continue;
            }

            string? failure = Check(c, ReasoningStartsOpen(c));
            if (failure is not null)
            {
                failures.Add($"{c.Id}: {failure}");
            }
        }

        int skipped = ConformanceCorpus.FullCases().Count(c => c.Format == format && KnownDisagreements.Contains(c.Id));
        string summary = $"marked-json {format}: {total - failures.Count - skipped}/{total} passed, {skipped} engine disagreement(s)";
        output.WriteLine(summary);
        Assert.True(failures.Count == 0, summary + "\n" + string.Join("\n\n", failures));
    }

    /// <summary>
    /// Cases where the fixture contradicts another case of the same format, or needs what a streaming parser cannot
    /// know. They are listed, with why, in the class's documentation of each parser choice.
    /// </summary>
    private static readonly HashSet<string> KnownDisagreements =
    [
        // vLLM drops text around the calls (content None) in non-streaming mode; a streaming parser has already
        // reported the text before the call.
        "test_extract_tool_calls_simple",

        // The arguments closed, so the call completed early; vLLM rejects it because the envelope never closed.
        "test_hermes_parser_non_streaming_tool_call_invalid_json",

        // Parsed without reasoning extraction, where the format's other cases extract <think>.
        "L1606",

        // Non-streaming vLLM drops text after the calls; its streaming mode (content_streaming) keeps it, as we do:
        // a parser loses nothing.
        "test_extract_tool_calls_pre_v11_tokenizer[trailing_data_after_json]",
        "test_hunyuan_a13b_tool_parser_extract[4]",

    ];

    public static TheoryData<string, string> SampleOfEveryFormat() => new()
    {
        { "hermes_variants", "Hi <tool_call>{\"name\": \"f\", \"arguments\": {\"x\": [1, {\"y\": \"}\"}]}}</tool_call> bye" },
        { "hermes_variants", "```json\n{\"name\": \"f\", \"arguments\": {}}\n```<function=g>{\"a\": 1}</function>" },
        { "llama3_json", "Sure. {\"name\": \"f\", \"parameters\": {\"q\": 1}}; {\"name\": \"g\", \"parameters\": {}} done" },
        { "gigachat3", "Ok.<|function_call|>{\"name\": \"f\", \"arguments\": {\"a\": \"b\"}}</s>" },
        { "mistral_pre_v11", "x[TOOL_CALLS] [{\"name\": \"f\", \"arguments\": {\"a\": 1}}, {\"arguments\": {}, \"name\": \"g\"}]" },
        { "mistral_args", "[TOOL_CALLS]f[CALL_ID]abc123[ARGS]{\"a\": 1}[TOOL_CALLS]g{\"b\": 2}" },
        { "kimi_k2", "<think>hm</think>A <|tool_calls_section_begin|><|tool_call_begin|>functions.f:0 <|tool_call_argument_begin|>{\"a\": 1}<|tool_call_end|><|tool_calls_section_end|>B" },
        { "deepseek_v3", "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>f\n```json\n{\"a\": 1}\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜>" },
        { "deepseek_v31", "C<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>f<｜tool▁sep｜>{\"a\": 1}<｜tool▁call▁end｜><｜tool▁calls▁end｜>" },
        { "harmony", "<|channel|>analysis<|message|>think<|end|><|start|>assistant<|channel|>commentary to=functions.f <|constrain|>json<|message|>{\"a\": 1}<|call|>" },
        { "hunyuan_a13b", "<tool_calls>[{\"name\": \"f\", \"arguments\": {\"a\": 1}}]</tool_calls>" },
        { "xlam", "x [{\"name\": \"f\", \"arguments\": {}}] [y]" },
        { "command_r7b", "<|START_THINKING|>t<|END_THINKING|><|START_ACTION|>[{\"tool_call_id\": \"0\", \"tool_name\": \"f\", \"parameters\": {\"a\": 1}}]<|END_ACTION|>" },
        { "phi4_mini_json", "functools[{\"name\": \"f\", \"arguments\": {\"a\": 1}}]" },
        { "internlm", "a<|action_start|><|plugin|>{\"name\": \"f\", \"parameters\": {}}<|action_end|>" },
        { "minimax", "<tool_calls>\n{\"name\": \"f\", \"arguments\": {}}\n{\"name\": \"g\", \"arguments\": {\"a\": 1}}\n</tool_calls>" },
        { "apertus", "<|tools_prefix|>[{\"f\": {\"a\": 1}}, {\"g\": {}}]<|tools_suffix|>ok" },
        { "nemotron_v2", "<think>t</think><TOOLCALL>[{\"name\": \"f\", \"arguments\": {\"a\": 1}}]</TOOLCALL>" },
        { "step3", "<｜tool_calls_begin｜><｜tool_call_begin｜><steptml:invoke name=\"f\"><steptml:parameter name=\"a\">1</steptml:parameter></steptml:invoke><｜tool_call_end｜><｜tool_calls_end｜>" },
        { "functionary_v3_2", "all\nHi.>>>f\n{\"a\": 1}>>>python\nprint('>>')\n>>>g\n{}" },
        { "minicpm5", "<function name=\"f\"><param name=\"a\"><![CDATA[x</param>]]></param></function>" },
    };

    [Theory]
    [MemberData(nameof(SampleOfEveryFormat))]
    public void Append_SampleOfEveryFormat_SameEventsAtEverySplitAndCompletedInClosingChunk(string format, string input)
    {
        RecordingObserver whole = TextParserHarness.AssertSplitInvariant(() => new MarkedJsonToolCallParser(format), input);

        Assert.NotEmpty(whole.Calls);
        Assert.All(whole.Calls, call => Assert.True(call.IsValid, call.Error));
        Assert.Empty(whole.Aborted);
    }

    public static TheoryData<string> AllFormats()
    {
        var data = new TheoryData<string>();
        foreach (string format in MarkedJsonToolCallParser.Formats)
        {
            data.Add(format);
        }

        return data;
    }

    /// <summary>
    /// Random mixes of each format's markers, JSON pieces and text: whatever the mix, no exception, well-formed
    /// events, and the same events whole, one character at a time and at every single split point.
    /// </summary>
    [Theory]
    [MemberData(nameof(AllFormats))]
    public void Append_RandomMarkerSoup_SameWellFormedEventsAtEverySplit(string format)
    {
        MarkedJsonGrammar grammar = MarkedJsonGrammars.Find(format)!;
        var pieces = new List<string>
        {
            "{", "}", "[", "]", "\"name\": ", "\"f\"", "\"arguments\": ", "\"parameters\": ", "{\"a\": 1}", "{}", ", ", ":", "\"",
            "text ", "\n", " ", "<", ">", "\"x\">", "1", "f", "functions.f:0", "```", "json", "</think>", "<think>", "<|end|>",
        };
        for (int t = 0; t < grammar.Triggers.Count; t++)
        {
            pieces.Add(grammar.Triggers[t]);
        }

        foreach (MarkedJsonStep step in grammar.Steps)
        {
            for (int l = 0; step.Literals is not null && l < step.Literals.Count; l++)
            {
                pieces.Add(step.Literals[l]);
            }
        }

        var random = new Random(format.Length * 7919 + format[0]);
        for (int sample = 0; sample < 90; sample++)
        {
            string input = string.Concat(Enumerable.Range(0, random.Next(1, 14)).Select(_ => pieces[random.Next(pieces.Count)]));
            ToolCallParserOptions options = (sample % 3) switch
            {
                0 => new ToolCallParserOptions { MaxArgumentsLength = 40, MaxDepth = 3, MaxCallsPerResponse = 2 },
                1 => new ToolCallParserOptions { ReasoningStartsOpen = true },
                _ => ToolCallParserOptions.Default,
            };
            Func<ToolCallTextParser> create = () => new MarkedJsonToolCallParser(format, options);
            RecordingObserver whole = TextParserHarness.Run(create, input);
            TextParserHarness.AssertWellFormed(whole, input);
            IReadOnlyList<string> expected = whole.Normalized();
            IEnumerable<string[]> splits = Enumerable.Range(1, Math.Max(0, input.Length - 1)).Select(a => new[] { input[..a], input[a..] })
                .Append([.. input.Select(c => c.ToString())]);
            foreach (string[] chunks in splits)
            {
                RecordingObserver split = TextParserHarness.Run(create, chunks);
                TextParserHarness.AssertWellFormed(split, input);
                Assert.True(
                    expected.SequenceEqual(split.Normalized()),
                    $"{format} input {JsonSerializer.Serialize(input)} split [{string.Join(", ", chunks.Select(c => c.Length))}]:\n  whole: {string.Join(" | ", expected)}\n  split: {string.Join(" | ", split.Normalized())}");
            }
        }
    }

    // Found by fuzzing: a malformed parameter name was reported where the scan of its chunk stopped, and what followed
    // the bad character was text or a new call depending on the chunking.
    [Theory]
    [InlineData("<function name=\"html\"><param name=\"maDATA[d\0\0\0]]></param></fuKction>", 0)]
    [InlineData("<function name=\"f\"><param name=\"a\"<function name=\"g\"><param name=\"x\">1</param></function>", 1)]
    [InlineData("<function name=\"f\"><param name=\"a\nb\">1</param></function> after", 0)]
    public void Append_MiniCpmMalformedParameterName_DiagnosedAtTheBadCharacterAtEverySplit(string input, int calls)
    {
        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(() => new MarkedJsonToolCallParser("minicpm5"), input);

        ParserDiagnostic diagnostic = observer.Diagnostics.First(d => d.Code == ParserDiagnosticCodes.CallInvalidJson);
        Assert.Contains(input[(int)diagnostic.Offset], "<>\"\n");
        Assert.Equal(calls, observer.Calls.Count);
    }

    [Fact]
    public void Append_MiniCpmParameterNameTooLong_DiagnosedAtTheFirstCharacterPastTheLongestAtEverySplit()
    {
        const string Head = "<function name=\"f\"><param name=\"";
        string input = Head + new string('n', 300) + "\">1</param></function>";

        RecordingObserver observer = TextParserHarness.Run(() => new MarkedJsonToolCallParser("minicpm5"), input);
        IReadOnlyList<string> whole = observer.Normalized();
        foreach (int size in new[] { 1, 7, 64 })
        {
            string[] chunks = [.. input.Chunk(size).Select(c => new string(c))];
            Assert.Equal(whole, TextParserHarness.Run(() => new MarkedJsonToolCallParser("minicpm5"), chunks).Normalized());
        }

        ParserDiagnostic diagnostic = observer.Diagnostics.Single(d => d.Code == ParserDiagnosticCodes.CallInvalidJson);
        Assert.Equal(Head.Length + 256, diagnostic.Offset);
        Assert.Equal(input, observer.Text);
        Assert.Empty(observer.Calls);
    }

    [Fact]
    public void Append_HermesCall_CompletesWhenItsArgumentsClose()
    {
        const string Input = "Hi <tool_call>{\"name\": \"f\", \"arguments\": {\"x\": 1}}</tool_call> bye";
        int close = Input.IndexOf("}}", StringComparison.Ordinal) + 1;

        RecordingObserver observer = TextParserHarness.Run(() => new MarkedJsonToolCallParser("hermes_variants"), Input[..close], Input[close..]);

        ParsedToolCall call = Assert.Single(observer.Calls);
        Assert.Equal(close, call.Offset);
        Assert.Equal(0, observer.Events.Single(e => e.Kind == ParserEventKind.Completed).Chunk);
        Assert.Equal(ToolCallCompletionReason.JsonClosed, call.Reason);
        Assert.Equal("{\"x\": 1}", call.ArgumentsJson);
        Assert.Equal("Hi  bye", observer.Text);
    }

    [Fact]
    public void Append_DeepSeekFence_CompletesBeforeTheClosingFence()
    {
        const string Input = "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>f\n```json\n{\"a\": 1}\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜>";

        RecordingObserver observer = TextParserHarness.Run(() => new MarkedJsonToolCallParser("deepseek_v3"), Input);

        ParsedToolCall call = Assert.Single(observer.Calls);
        Assert.Equal(Input.IndexOf('}', StringComparison.Ordinal) + 1, call.Offset);
        Assert.Equal("f", call.Name);
        Assert.Empty(observer.Text);
        Assert.Empty(observer.Diagnostics);
    }

    [Fact]
    public void Append_MistralArray_EachCallCompletesAtItsOwnArguments()
    {
        const string Input = "[TOOL_CALLS] [{\"name\": \"a\", \"arguments\": {}}, {\"name\": \"b\", \"arguments\": {\"k\": 2}}]";

        RecordingObserver observer = TextParserHarness.Run(() => new MarkedJsonToolCallParser("mistral_pre_v11"), Input);

        Assert.Equal(["a", "b"], observer.Calls.Select(c => c.Name));
        Assert.Equal(Input.IndexOf("{}", StringComparison.Ordinal) + 2, observer.Calls[0].Offset);
        Assert.Equal(Input.IndexOf("2}", StringComparison.Ordinal) + 2, observer.Calls[1].Offset);
    }

    [Fact]
    public void Append_KimiSection_ReportsQualifiedIdsAndNames()
    {
        const string Input = "<|tool_calls_section_begin|><|tool_call_begin|>functions.get_weather:0<|tool_call_argument_begin|>{\"city\": \"Paris\"}<|tool_call_end|>" +
            "<|tool_call_begin|>search:1 <|tool_call_argument_begin|>{}<|tool_call_end|><|tool_calls_section_end|>";

        RecordingObserver observer = TextParserHarness.Run(() => new MarkedJsonToolCallParser("kimi_k2"), Input);

        Assert.Equal([(0, "functions.get_weather:0", "get_weather"), (1, "search:1", "search")], observer.Started);
        Assert.Equal(["functions.get_weather:0", "search:1"], observer.Calls.Select(c => c.Id));
    }

    [Fact]
    public void Append_MarkerSplitAcrossChunks_HeldUntilTheNextCharacterDecides()
    {
        RecordingObserver observer = TextParserHarness.Run(() => new MarkedJsonToolCallParser("hermes_variants"), "a<tool_ca", "lx b");

        Assert.Equal("a", observer.Events.First(e => e.Kind == ParserEventKind.Text).Text);
        Assert.Equal("a<tool_calx b", observer.Text);
        Assert.Empty(observer.Diagnostics);
    }

    [Fact]
    public void Complete_HeldPartialMarker_SurfacedAsText()
    {
        RecordingObserver observer = TextParserHarness.Run(() => new MarkedJsonToolCallParser("kimi_k2"), "done <|tool_calls_sec");

        Assert.Equal("done <|tool_calls_sec", observer.Text);
        Assert.Empty(observer.Calls);
    }

    [Theory]
    [InlineData("llama3_json", "Use {x} or {\"a\": 1} and {} here.")]
    [InlineData("hermes_variants", "A set {1, 2} and {\"k\": \"v\"}.")]
    [InlineData("xlam", "See [1] and [a, b] or [{\"k\": 1}].")]
    public void Append_JsonLikeProse_StaysTextWithoutDiagnostic(string format, string input)
    {
        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(() => new MarkedJsonToolCallParser(format), input);

        Assert.Equal(input, observer.Text);
        Assert.Empty(observer.Calls);
        Assert.Empty(observer.Diagnostics);
    }

    [Fact]
    public void Append_MalformedArguments_AbortsAndSurfacesTheBlockAsText()
    {
        const string Input = "<tool_call>{\"name\": \"f\", \"arguments\": {\"a\": x}}</tool_call>";

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(() => new MarkedJsonToolCallParser("hermes_variants"), Input);

        Assert.Empty(observer.Calls);
        Assert.Equal([0], observer.Aborted);
        Assert.Contains(ParserDiagnosticCodes.CallInvalidJson, observer.DiagnosticCodes);
        Assert.Equal(Input, observer.Text);
    }

    [Fact]
    public void Append_MissingEndMarker_KeepsTheCallAndDiagnoses()
    {
        const string Input = "<tool_call>{\"name\": \"f\", \"arguments\": {}} oops <tool_call>{\"name\": \"g\", \"arguments\": {}}</tool_call>";

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(() => new MarkedJsonToolCallParser("hermes_variants"), Input);

        Assert.Equal(["f", "g"], observer.Calls.Select(c => c.Name));
        Assert.Contains(ParserDiagnosticCodes.CallEndMarkerMissing, observer.DiagnosticCodes);
        Assert.Equal(" oops ", observer.Text);
    }

    [Fact]
    public void Append_ArgumentsOverTheLimit_AbortsTheCall()
    {
        var options = new ToolCallParserOptions { MaxArgumentsLength = 16 };
        const string Input = "[TOOL_CALLS]f{\"text\": \"0123456789abcdef\"}[TOOL_CALLS]g{}";

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(() => new MarkedJsonToolCallParser("mistral_v11", options), Input);

        Assert.Equal([0], observer.Aborted);
        Assert.Contains(ParserDiagnosticCodes.ArgumentsTooLong, observer.DiagnosticCodes);
        Assert.Equal("g", Assert.Single(observer.Calls).Name);
        Assert.Equal(16, observer.ArgumentsOf(0).Length);
    }

    [Fact]
    public void Append_ArgumentsTooDeep_AbortsTheCall()
    {
        var options = new ToolCallParserOptions { MaxDepth = 3 };
        const string Input = "<tool_call>{\"name\": \"f\", \"arguments\": {\"a\": {\"b\": {\"c\": {}}}}}</tool_call>ok";

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(() => new MarkedJsonToolCallParser("hermes_variants", options), Input);

        Assert.Empty(observer.Calls);
        Assert.Equal([0], observer.Aborted);
        Assert.Contains(ParserDiagnosticCodes.ArgumentsTooDeep, observer.DiagnosticCodes);
        Assert.Equal("ok", observer.Text);
    }

    [Fact]
    public void Append_MoreCallsThanTheLimit_DropsTheExtraOnes()
    {
        var options = new ToolCallParserOptions { MaxCallsPerResponse = 2 };
        const string Input = "<TOOLCALL>[{\"name\": \"a\", \"arguments\": {}}, {\"name\": \"b\", \"arguments\": {}}, {\"name\": \"c\", \"arguments\": {}}]</TOOLCALL>";

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(() => new MarkedJsonToolCallParser("nemotron_v2", options), Input);

        Assert.Equal(["a", "b"], observer.Calls.Select(c => c.Name));
        Assert.Equal([ParserDiagnosticCodes.TooManyCalls], observer.DiagnosticCodes);
    }

    [Fact]
    public void Append_ThinkAtTheStart_ReportedAsReasoning()
    {
        const string Input = "<think>plan</think>\n<TOOLCALL>[{\"name\": \"a\", \"arguments\": {}}]</TOOLCALL>";

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(() => new MarkedJsonToolCallParser("nemotron_v2"), Input);

        Assert.Equal("plan", observer.Reasoning);
        Assert.Equal("\n", observer.Text);
    }

    [Theory]
    [InlineData(true, "plan\n", "\nanswer")]
    [InlineData(false, "", "plan\n\nanswer")]
    public void Append_ReasoningStartsOpen_TextUpToTheEndMarkerIsReasoning(bool startsOpen, string reasoning, string text)
    {
        var options = new ToolCallParserOptions { ReasoningStartsOpen = startsOpen };

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(() => new MarkedJsonToolCallParser("deepseek_v31", options), "plan\n</think>\nanswer");

        Assert.Equal(reasoning, observer.Reasoning);
        Assert.Equal(text, observer.Text);
    }

    [Theory]
    [InlineData("[TOOL_CALLS]f{\"a\": 1}", "", 1)]
    [InlineData("  [THINK]plan[/THINK][TOOL_CALLS]f{\"a\": 1}", "plan", 1)]
    [InlineData("plan [TOOL_CALLS]f{\"a\": 1}[/THINK]", "plan [TOOL_CALLS]f{\"a\": 1}", 0)]
    public void Append_ReasoningStartsOpenButACallComesFirst_TheCallIsRead(string input, string reasoning, int calls)
    {
        var options = new ToolCallParserOptions { ReasoningStartsOpen = true };

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(() => new MarkedJsonToolCallParser("mistral_args", options), input);

        Assert.Equal(reasoning, observer.Reasoning);
        Assert.Equal(calls, observer.Calls.Count);
    }

    [Fact]
    public void Append_CallInsideReasoning_StaysReasoning()
    {
        const string Input = "[THINK]maybe [TOOL_CALLS]f{\"a\": 1}[/THINK][TOOL_CALLS]g{\"b\": 2}";

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(() => new MarkedJsonToolCallParser("mistral_args"), Input);

        Assert.Equal("maybe [TOOL_CALLS]f{\"a\": 1}", observer.Reasoning);
        Assert.Equal("g", Assert.Single(observer.Calls).Name);
    }

    [Fact]
    public void Append_KimiCallAfterUnclosedThink_EndsTheReasoning()
    {
        const string Input = "<think>two calls<|tool_call_begin|>functions.f:0<|tool_call_argument_begin|>{}<|tool_call_begin|>functions.g:1<|tool_call_argument_begin|>{\"a\": 1}";

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(() => new MarkedJsonToolCallParser("kimi_k2"), Input);

        Assert.Equal("two calls", observer.Reasoning);
        Assert.Equal(["f", "g"], observer.Calls.Select(c => c.Name));
    }

    [Fact]
    public void Complete_MistralArgumentsStillOpen_CompletesWithRawTextAndError()
    {
        RecordingObserver observer = TextParserHarness.Run(() => new MarkedJsonToolCallParser("mistral_v11"), "[TOOL_CALLS]bash{\"command\": \"ls");

        ParsedToolCall call = Assert.Single(observer.Calls);
        Assert.Equal("{\"command\": \"ls", call.ArgumentsJson);
        Assert.False(call.IsValid);
        Assert.Equal(ToolCallCompletionReason.EndOfStream, call.Reason);
        Assert.Contains(ParserDiagnosticCodes.ArgumentsUnclosed, observer.DiagnosticCodes);
    }

    [Fact]
    public void Complete_HermesArgumentsStillOpen_AbortsTheCall()
    {
        RecordingObserver observer = TextParserHarness.Run(() => new MarkedJsonToolCallParser("hermes_variants"), "<tool_call>{\"name\": \"f\", \"arguments\": {\"a\": ");

        Assert.Empty(observer.Calls);
        Assert.Equal([0], observer.Aborted);
        Assert.Contains(ParserDiagnosticCodes.ArgumentsUnclosed, observer.DiagnosticCodes);
    }

    [Fact]
    public void Append_EnvelopeWithoutArguments_CompletesWithAnEmptyObjectAndADiagnostic()
    {
        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(() => new MarkedJsonToolCallParser("longcat"), "<longcat_tool_call>{\"name\": \"refresh\"}</longcat_tool_call>");

        ParsedToolCall call = Assert.Single(observer.Calls);
        Assert.Equal("{}", call.ArgumentsJson);
        Assert.Equal([ParserDiagnosticCodes.CallMissingJson], observer.DiagnosticCodes);
    }

    [Fact]
    public void Append_XmlParameters_TypedFromTheToolSchema()
    {
        const string Input = "<function name=\"get_weather\"><param name=\"city\">Paris</param><param name=\"days\"> 3 </param>" +
            "<param name=\"metric\">true</param><param name=\"tags\">[\"a\"]</param><param name=\"other\">7</param></function>";

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(() => new MarkedJsonToolCallParser("minicpm5", s_weatherSchema), Input);

        ParsedToolCall call = Assert.Single(observer.Calls);
        Assert.Equal(ToolCallCompletionReason.EndMarker, call.Reason);
        Assert.Equal(Input.Length, call.Offset);
        Assert.True(JsonElement.DeepEquals(
            JsonElement.Parse("""{"city": "Paris", "days": 3, "metric": true, "tags": ["a"], "other": "7"}"""),
            call.Arguments!.Value));
    }

    [Fact]
    public void Append_XmlParametersWithoutSchema_StayStrings()
    {
        const string Input = "<｜tool_calls_begin｜><｜tool_call_begin｜><steptml:invoke name=\"get_weather\"><steptml:parameter name=\"days\">3</steptml:parameter></steptml:invoke><｜tool_call_end｜><｜tool_calls_end｜>";

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(() => new MarkedJsonToolCallParser("step3"), Input);

        Assert.Equal("{\"days\": \"3\"}", Assert.Single(observer.Calls).ArgumentsJson);
    }

    [Fact]
    public void Append_HarmonyFinalChannel_IsContent()
    {
        const string Input = "<|channel|>analysis<|message|>hmm<|end|><|start|>assistant<|channel|>final<|message|>Paris.<|return|>";

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(() => new MarkedJsonToolCallParser("harmony"), Input);

        Assert.Equal("hmm", observer.Reasoning);
        Assert.Equal("Paris.", observer.Text);
        Assert.Empty(observer.Calls);
    }

    [Fact]
    public void Append_HunyuanAnswerTags_DroppedAndTextAfterTheCallsKept()
    {
        const string Input = "<think>t</think>\n<answer>Sure.<tool_calls>[{\"name\": \"f\", \"arguments\": {}}]</tool_calls>\nThank you!</answer>";

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(() => new MarkedJsonToolCallParser("hunyuan_a13b"), Input);

        Assert.Single(observer.Calls);
        Assert.Equal("t", observer.Reasoning);
        Assert.Equal("\nSure.\nThank you!", observer.Text);
        Assert.Empty(observer.Diagnostics);
    }

    [Fact]
    public void Append_PlainTextOneCharacterAtATime_AllocatesNothing()
    {
        var parser = new MarkedJsonToolCallParser("hermes_variants");
        var observer = new CountingObserver();
        string text = string.Concat(Enumerable.Repeat("Plain text with <b>tags</b>, {braces} and ``` fences. ", 50));
        foreach (char c in text)
        {
            parser.Append([c], observer);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        foreach (char c in text)
        {
            parser.Append([c], observer);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(text.Length * 2, observer.TextLength + (parser.Position == text.Length * 2 ? 0 : 1));
        Assert.True(allocated < 1024, $"{allocated} bytes allocated for {text.Length} one-character chunks of text.");
    }

    [Fact]
    public void Constructor_UnknownFormat_Throws()
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => new MarkedJsonToolCallParser("no_such_format"));
        Assert.Contains("kimi_k2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Formats_AreRegisteredButHermes()
    {
        Assert.Contains("hermes_variants", MarkedJsonToolCallParser.Formats);
        Assert.All(MarkedJsonToolCallParser.Formats.Where(f => f != "hermes"), f => Assert.True(ToolCallFormatRegistry.Default.Contains(f), f));
        Assert.IsType<MarkedJsonToolCallParser>(ToolCallFormatRegistry.Default.Create("kimi_k2"));
        Assert.Equal("kimi_k2", ToolCallFormatRegistry.Default.Create("kimi_k2").Format);
    }

    /// <summary>Counts text without keeping it, so the test measures the parser's allocations only.</summary>
    private sealed class CountingObserver : IToolCallParserObserver
    {
        public int TextLength { get; private set; }

        public void OnText(ReadOnlySpan<char> text) => TextLength += text.Length;

        public void OnReasoning(ReadOnlySpan<char> text)
        {
        }

        public void OnCallStarted(int index, string? id, string name)
        {
        }

        public void OnArgumentsDelta(int index, ReadOnlySpan<char> fragment)
        {
        }

        public void OnCallCompleted(ParsedToolCall call)
        {
        }

        public void OnCallAborted(int index, string reason)
        {
        }

        public void OnDiagnostic(ParserDiagnostic diagnostic)
        {
        }
    }

    internal static bool ReasoningStartsOpen(FullCase c)
    {
        if (!c.Raw.TryGetProperty("reasoning", out JsonElement reasoning) || reasoning.ValueKind != JsonValueKind.String)
        {
            return false;
        }

        string? start = MarkedJsonGrammars.Find(Grammar(c.Format))?.ReasoningStart;
        return start is null || !c.Text.TrimStart().StartsWith(start, StringComparison.Ordinal);
    }

    private static string Grammar(string format) => format == "hermes" ? "hermes_variants" : format;

    internal static string? Check(FullCase c, bool reasoningStartsOpen)
    {
        string format = Grammar(c.Format);
        ToolCallParserOptions options = reasoningStartsOpen
            ? new ToolCallParserOptions { ToolSchemas = c.Options.ToolSchemas, ReasoningStartsOpen = true }
            : c.Options;
        Func<ToolCallTextParser> create = () => new MarkedJsonToolCallParser(format, options);
        RecordingObserver whole;
        try
        {
            whole = TextParserHarness.Run(create, c.Text);
        }
        catch (Exception e)
        {
            return $"threw {e.GetType().Name}: {e.Message}\n{e.StackTrace}";
        }

        string? mismatch = CompareCalls(c, whole.Calls) ?? CompareContent(c, whole);
        if (mismatch is not null)
        {
            return mismatch + "\n  events:\n  " + string.Join("\n  ", whole.Normalized());
        }

        IReadOnlyList<string> expected = whole.Normalized();
        foreach (string[] chunks in ConformanceTests.Splits(c))
        {
            RecordingObserver split;
            try
            {
                split = TextParserHarness.Run(create, chunks);
                TextParserHarness.AssertWellFormed(split, c.Text);
            }
            catch (Exception e)
            {
                return $"split [{string.Join(", ", chunks.Select(x => x.Length))}] threw {e.GetType().Name}: {e.Message}\n{e.StackTrace}";
            }

            IReadOnlyList<string> actual = split.Normalized();
            if (!expected.SequenceEqual(actual))
            {
                return $"split [{string.Join(", ", chunks.Select(x => x.Length))}] differs from whole:\n  whole: {string.Join(" | ", expected)}\n  split: {string.Join(" | ", actual)}";
            }
        }

        return null;
    }

    private static string? CompareCalls(FullCase c, IReadOnlyList<ParsedToolCall> actual)
    {
        if (actual.Count != c.Calls.Count)
        {
            return $"expected {c.Calls.Count} calls, got {actual.Count}";
        }

        for (int i = 0; i < actual.Count; i++)
        {
            JsonElement expected = c.Calls[i];
            string name = expected.GetProperty("name").GetString()!;
            if (actual[i].Name != name)
            {
                return $"call {i}: expected name {name}, got {actual[i].Name}";
            }

            JsonElement arguments = expected.GetProperty("arguments");
            bool same = arguments.ValueKind == JsonValueKind.String
                ? actual[i].ArgumentsJson == arguments.GetString()
                : actual[i].Arguments is JsonElement value && JsonElement.DeepEquals(value, arguments);
            if (!same)
            {
                return $"call {i} ({name}): expected arguments {arguments.GetRawText()}, got {actual[i].Arguments?.GetRawText() ?? actual[i].ArgumentsJson} (error: {actual[i].Error})";
            }

            if (expected.TryGetProperty("id", out JsonElement id) && actual[i].Id is { } actualId && actualId != id.GetString())
            {
                return $"call {i} ({name}): expected id {id.GetString()}, got {actualId}";
            }
        }

        return null;
    }

    private static string? CompareContent(FullCase c, RecordingObserver whole)
    {
        if (!c.HasContent)
        {
            return null;
        }

        string expected = (c.Content ?? string.Empty).Trim();
        string actual = whole.Text.Trim();
        return expected == actual ? null : $"expected content \"{expected}\", got \"{actual}\"";
    }
}
