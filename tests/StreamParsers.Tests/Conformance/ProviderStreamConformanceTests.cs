using System.Text;
using System.Text.Json;
using Xunit.Abstractions;

namespace ToolFlow.StreamParsers.Tests;

/// <summary>
/// Holds the provider stream parsers to the recorded bodies in <c>../shared/conformance/parsers/sse/</c>: each body,
/// whole, at every split point (a sample of them for long bodies), one character at a time and in 7-character chunks,
/// must give the calls its README expects, each completed in the chunk that completes it rather than at the end.
/// </summary>
public sealed class ProviderStreamConformanceTests(ITestOutputHelper output)
{
    /// <summary>Bodies shorter than this are split at every point; longer ones at a sample of points.</summary>
    private const int EverySplitMaxLength = 20_000;

    private const int SampledSplits = 400;

    private static readonly Dictionary<string, RecordedStream> s_expected = new(StringComparer.Ordinal)
    {
        ["openai_chat_single_tool.sse.txt"] = new(
            "openai-chat",
            [new("GetWeatherArgs", """{"city":"Edinburgh","country":"UK","units":"c"}""", "call_c91SqDXlYFuETYv8mUHzz6pp")]),
        ["openai_chat_parallel_tools.sse.txt"] = new(
            "openai-chat",
            [
                new("GetWeatherArgs", """{"city":"Edinburgh","country":"GB","units":"c"}""", "call_JMW1whyEaYG438VE1OIflxA2"),
                new("get_stock_price", """{"ticker":"AAPL","exchange":"NASDAQ"}""", "call_DNYTawLBoN8fj3KN6qU9N1Ou"),
            ]),
        ["openai_chat_strict_tool.sse.txt"] = new("openai-chat", [new("get_weather", """{"city":"San Francisco","state":"CA"}""")]),
        ["openai_chat_non_strict_tool.sse.txt"] = new("openai-chat", [new("get_weather", """{"city":"New York City"}""", "call_4XzlGBLtUe9dy3GVNV4jhq7h")]),
        ["openai_compat_tool_index1.sse.txt"] = new("openai-chat", [new("read_file", """{"path":"a.txt"}""", "toolu_sanitized")], Text: "Reading it."),
        ["openai_responses_function_call.sse.txt"] = new(
            "openai-responses",
            [new("get_weather_at_location", """{"location":"San Francisco, CA"}""", "call_0UFGPwrziw5rbinYp7rthrTb")]),
        ["anthropic_tool_use.sse.txt"] = new(
            "anthropic",
            [new("get_weather", """{"location":"Paris"}""", "toolu_01NRLabsLyVHZPKxbKvkfSMn")],
            Text: "I'll check the current weather in Paris for you."),
        ["anthropic_tool_use_incomplete_partial_json.sse.txt"] = new(
            "anthropic",
            [],
            Text: "I'll create a comprehensive tax guide for someone with multiple W2s and save it in a file called taxes.txt. Let me do that for you now.",
            Aborted: 1,
            Diagnostics: [ProviderStreamDiagnosticCodes.ResponseStopped, ParserDiagnosticCodes.ArgumentsUnclosed]),
        ["anthropic_server_tool_use_refusal.sse.txt"] = new(
            "anthropic",
            [],
            Text: "Here's a summary of this year's solar eclipses and how",
            Diagnostics: [ProviderStreamDiagnosticCodes.ProviderToolCall, ProviderStreamDiagnosticCodes.ResponseStopped],
            DiagnosticText: "solar eclipse viewing safety news 2026"),
        ["vercel_alibaba-tool-call.jsonl.txt"] = new("openai-chat", [new("weather", """{"location":"San Francisco"}""", "call_eee11723464a4b9eb8cee71d")]),
        ["vercel_anthropic-json-tool.1.jsonl.txt"] = new(
            "anthropic",
            [new("json", """{"elements":[{"location":"San Francisco","temperature":58,"condition":"sunny"}]}""", "toolu_01KFbKqPYSuAKujiL6mTfzYA")]),
        ["vercel_anthropic-tool-no-args.jsonl.txt"] = new(
            "anthropic",
            [new("updateIssueList", "{}", "toolu_01QE1WLsSVp5hy5Q3GmGTmjP")],
            Text: "I'll update the issue list for you."),
        ["vercel_azure-tool-call.1.jsonl.txt"] = new("openai-responses", [new("weather", """{"location":"San Francisco"}""", "call_H5DxLSFnsGhiROnUiDHmgyc8")]),
        ["vercel_cohere-empty-tool-call.jsonl.txt"] = new(
            "cohere",
            [new("currentTime", "{}", "currentTime_y46ar19t5gvw")],
            Reasoning: "I will use the currentTime tool to find the current time."),
        ["vercel_deepseek-tool-call.jsonl.txt"] = new(
            "openai-chat",
            [new("weather", """{"location":"San Francisco"}""", "call_00_ioIn7yN9p1ZOMNpDLwd4MgAF")],
            ReasoningStart: "The user is asking for the weather in San Francisco."),
        ["vercel_google-stream-no-args-tool-call.jsonl.txt"] = new(
            "gemini",
            [
                new("read_theme", "{}"),
                new("read_screen", """{"id":"A"}"""),
                new("read_screen", """{"id":"B"}"""),
                new("read_screen", """{"id":"C"}"""),
            ],
            ReasoningStart: "**Processing User Requests**"),
        ["vercel_google-stream-tool-call-arguments.jsonl.txt"] = new(
            "gemini",
            [new("getWeather", """{"location":"Boston"}"""), new("getWeather", """{"location":"San Francisco"}""")]),
        ["vercel_google-stream-tool-call-array-arguments-missing-terminal-function-call.jsonl.txt"] = new(
            "gemini",
            [new("writeItems", """{"operations":[{"action":"add","description":"Fresh red apple","itemid":"apple_001","price":0.5},{"action":"add","description":"Ripe yellow banana","itemid":"banana_001","price":0.3}]}""")]),
        ["vercel_google-tool-call.jsonl.txt"] = new("gemini", [new("weather", """{"location":"San Francisco"}""")]),
        ["vercel_google-vertex-stream-tool-call-arguments-nested.1.jsonl.txt"] = new(
            "gemini",
            [
                new(
                    "cookRecipe",
                    """{"recipe":{"ingredients":[{"amount":"16 oz","name":"Lasagna noodles"},{"amount":"1 lb","name":"Ground beef"},{"amount":"15 oz","name":"Ricotta cheese"},{"amount":"3 cups","name":"Mozzarella cheese"},{"amount":"1/2 cup","name":"Parmesan cheese"},{"amount":"24 oz","name":"Tomato sauce"},{"amount":"1","name":"Egg"},{"amount":"2 cloves","name":"Garlic"},{"amount":"1 tsp","name":"Salt"},{"amount":"1/2 tsp","name":"Pepper"}],"name":"Lasagna","steps":["Preheat oven to 375°F (190°C).","Cook lasagna noodles according to package directions, drain and set aside.","Brown ground beef with minced garlic in a skillet. Drain fat and stir in tomato sauce. Simmer for 10 minutes.","In a bowl, mix ricotta cheese, egg, salt, pepper, and Parmesan cheese.","In a 9x13 baking dish, spread a thin layer of meat sauce.","Layer noodles, ricotta mixture, mozzarella, and meat sauce. Repeat.","Top with remaining mozzarella cheese.","Cover with foil and bake for 25 minutes.","Remove foil and bake for another 25 minutes until golden.","Let stand for 15 minutes before serving."]}}"""),
            ]),
        ["vercel_groq-tool-call.jsonl.txt"] = new("openai-chat", [new("weather", "{}", "tk85n1k4m")]),
        ["vercel_mistral-incremental-tool-call.jsonl.txt"] = new(
            "mistral-chat",
            [new("webSearchTool", """{"query":"current Berlin weather"}""", "chatcmpl-tool-9f149c74c42f265b")]),
        ["vercel_mistral-tool-call.jsonl.txt"] = new("mistral-chat", [new("weather", """{"location":"San Francisco"}""", "gSIMJiOkT")]),
        ["vercel_parallel-tool-call-wrapper.1.jsonl.txt"] = new(
            "openai-responses",
            [new("parallel", """{"tool_uses":[{"recipient_name":"functions.weather","parameters":{"location":"San Francisco"}},{"recipient_name":"functions.cityAttractions","parameters":{"city":"Rome"}}]}""", "call_parallel")],
            Diagnostics: [ProviderStreamDiagnosticCodes.EventInvalidJson, ProviderStreamDiagnosticCodes.StreamTruncated]),
        ["vercel_xai-tool-call.jsonl.txt"] = new(
            "openai-chat",
            [new("weather", """{"location":"San Francisco"}""", "call_79382389")],
            ReasoningStart: "First, the user is asking about the weather in San Francisco."),
    };

    public static TheoryData<string> RecordedStreams()
    {
        var data = new TheoryData<string>();
        foreach (string file in s_expected.Keys.Order(StringComparer.Ordinal))
        {
            data.Add(file);
        }

        return data;
    }

    public static TheoryData<string> RecordedFormats()
    {
        var data = new TheoryData<string>();
        foreach (string format in s_expected.Values.Select(e => e.Format).Distinct().Order(StringComparer.Ordinal))
        {
            data.Add(format);
        }

        return data;
    }

    [Fact]
    public void Corpus_EveryRecordedStream_HasItsExpectation()
    {
        string[] files = Directory.GetFiles(Path.Combine(ConformanceCorpus.Directory, "sse"))
            .Select(Path.GetFileName)
            .Where(name => !string.Equals(name, "README.md", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToArray()!;

        Assert.Equal(s_expected.Keys.Order(StringComparer.Ordinal), files);
    }

    [Theory]
    [MemberData(nameof(RecordedFormats))]
    public void Parse_RecordedStreamsOfFormat_GiveExpectedCallsAtEverySplit(string format)
    {
        var failures = new List<string>();
        string[] files = [.. s_expected.Where(p => p.Value.Format == format).Select(p => p.Key).Order(StringComparer.Ordinal)];
        foreach (string file in files)
        {
            try
            {
                CheckEverySplit(file);
            }
            catch (Exception ex) when (ex is Xunit.Sdk.XunitException)
            {
                failures.Add($"{file}: {ex.Message}");
            }
        }

        string summary = $"recorded streams {format}: {files.Length - failures.Count}/{files.Length} passed";
        output.WriteLine(summary);
        ConformanceReport.Record(format, files.Length - failures.Count, files.Length);
        Assert.True(failures.Count == 0, summary + "\n" + string.Join("\n\n", failures));
    }

    private void CheckEverySplit(string file)
    {
        RecordedStream expected = s_expected[file];
        string body = File.ReadAllText(Path.Combine(ConformanceCorpus.Directory, "sse", file));
        Func<ToolCallTextParser> create = () => ToolCallFormatRegistry.Default.Create(expected.Format);

        RecordingObserver whole = TextParserHarness.Run(create, body);
        AssertExpected(expected, whole);
        TextParserHarness.AssertWellFormed(whole, body);
        IReadOnlyList<string> events = whole.Normalized();

        int splits = 0;
        foreach (string[] chunks in Splits(body))
        {
            splits++;
            RecordingObserver split = TextParserHarness.Run(create, chunks);
            IReadOnlyList<string> actual = split.Normalized();
            if (!events.SequenceEqual(actual))
            {
                Assert.Fail(
                    $"split [{Describe(chunks)}] differs.\nExpected:\n  {string.Join("\n  ", events)}\nActual:\n  {string.Join("\n  ", actual)}");
            }

            AssertCompletedInClosingChunk(split, chunks);
        }

        output.WriteLine($"  {file}: {whole.Calls.Count} calls, {splits} splits, offsets {string.Join(", ", whole.Calls.Select(c => c.Offset))} of {body.Length}");
    }

    [Theory]
    [MemberData(nameof(RecordedStreams))]
    public async Task ReadAsync_RecordedStream_GivesTheSameEventsAsAppend(string file)
    {
        RecordedStream expected = s_expected[file];
        byte[] bytes = File.ReadAllBytes(Path.Combine(ConformanceCorpus.Directory, "sse", file));
        RecordingObserver appended = TextParserHarness.Run(() => ToolCallFormatRegistry.Default.Create(expected.Format), Encoding.UTF8.GetString(bytes));

        var read = new RecordingObserver();
        using var stream = new MemoryStream(bytes);
        await ProviderStreamReader.ReadAsync(stream, ToolCallFormatRegistry.Default.Create(expected.Format), read);

        AssertExpected(expected, read);
        Assert.Equal(appended.Calls.Select(Identity), read.Calls.Select(Identity));
        Assert.Equal(appended.Text, read.Text);
        Assert.Equal(appended.Reasoning, read.Reasoning);
        Assert.Equal(appended.DiagnosticCodes, read.DiagnosticCodes);
        Assert.Equal(appended.Aborted, read.Aborted);
    }

    private static string Identity(ParsedToolCall call) =>
        $"[{call.Index}] {call.Id} {call.Name} {call.ArgumentsJson} {call.Reason}";

    private static void AssertExpected(RecordedStream expected, RecordingObserver observer)
    {
        IReadOnlyList<ParsedToolCall> calls = observer.Calls;
        Assert.Equal(expected.Calls.Select(c => c.Name), calls.Select(c => c.Name));
        for (int i = 0; i < calls.Count; i++)
        {
            ExpectedCall call = expected.Calls[i];
            Assert.Equal(i, calls[i].Index);
            Assert.True(calls[i].IsValid, $"call {i} ({call.Name}): {calls[i].Error}");
            using JsonDocument arguments = JsonDocument.Parse(call.Arguments);
            Assert.True(
                JsonElement.DeepEquals(arguments.RootElement, calls[i].Arguments!.Value),
                $"call {i} ({call.Name}): expected {call.Arguments}, got {calls[i].ArgumentsJson}");
            if (call.Id is not null)
            {
                Assert.Equal(call.Id, calls[i].Id);
            }
        }

        if (expected.Text is not null)
        {
            Assert.Equal(expected.Text, observer.Text);
        }

        if (expected.Reasoning is not null)
        {
            Assert.Equal(expected.Reasoning, observer.Reasoning);
        }

        if (expected.ReasoningStart is not null)
        {
            Assert.StartsWith(expected.ReasoningStart, observer.Reasoning, StringComparison.Ordinal);
        }

        Assert.Equal(expected.Aborted, observer.Aborted.Count);
        Assert.Equal(expected.Diagnostics ?? [], observer.DiagnosticCodes.Distinct());
        if (expected.DiagnosticText is not null)
        {
            Assert.Contains(observer.Diagnostics, d => d.Message.Contains(expected.DiagnosticText, StringComparison.Ordinal));
        }
    }

    private static IEnumerable<string[]> Splits(string body)
    {
        yield return body.Select(c => c.ToString()).ToArray();
        yield return body.Chunk(7).Select(c => new string(c)).ToArray();
        int step = body.Length < EverySplitMaxLength ? 1 : Math.Max(1, body.Length / SampledSplits);
        for (int a = 0; a <= body.Length; a += step)
        {
            yield return [body[..a], body[a..]];
        }
    }

    // A call reported complete must be reported during the Append whose chunk holds the character just before its
    // offset: not later (at the end of the stream), and not before that character was seen.
    private static void AssertCompletedInClosingChunk(RecordingObserver observer, string[] chunks)
    {
        foreach (ParserEvent e in observer.Events.Where(e => e.Kind == ParserEventKind.Completed))
        {
            long closing = e.Call!.Offset - 1;
            int chunk = 0;
            long start = 0;
            while (start + chunks[chunk].Length <= closing)
            {
                start += chunks[chunk].Length;
                chunk++;
            }

            Assert.True(
                e.Chunk == chunk,
                $"call {e.Index} is complete at {closing} (chunk {chunk}) but was reported during chunk {e.Chunk} of {chunks.Length}; split [{Describe(chunks)}].");
        }
    }

    private static string Describe(string[] chunks) =>
        chunks.Length > 8 ? $"{chunks.Length} chunks of {chunks[0].Length}" : string.Join(", ", chunks.Select(c => c.Length));

    private sealed record ExpectedCall(string Name, string Arguments, string? Id = null);

    private sealed record RecordedStream(
        string Format,
        IReadOnlyList<ExpectedCall> Calls,
        string? Text = null,
        string? Reasoning = null,
        string? ReasoningStart = null,
        int Aborted = 0,
        IReadOnlyList<string>? Diagnostics = null,
        string? DiagnosticText = null);
}
