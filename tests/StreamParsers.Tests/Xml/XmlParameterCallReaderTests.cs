using System.Text;
using System.Text.Json;

namespace ToolFlow.StreamParsers.Tests;

/// <summary>
/// What every XML-parameter format shares (<see cref="XmlParameterCallReader"/>): the same events at every split of
/// random, often broken inputs, nothing lost, limits, and helpers for the per-format test classes.
/// </summary>
public sealed class XmlParameterCallReaderTests
{
    private const string M3 = "]<]minimax[>[";

    public static TheoryData<string> Formats { get; } =
    [
        "qwen3_coder", "qwen3_xml", "step3p5", "seed_oss", "glm45", "glm47", "minimax_m2", "minimax_m3", "deepseek_v32", "deepseek_v4", "gemma4",
    ];

    [Theory]
    [MemberData(nameof(Formats))]
    public void Append_RandomInputs_EverySplitSameEventsAndNoTextLost(string format)
    {
        var random = new Random(format.Length * 7919 + format[^1]);
        Func<ToolCallTextParser> create = () => ToolCallFormatRegistry.Default.Create(format);
        int withCalls = 0;
        int withDiagnostics = 0;
        for (int n = 0; n < 60; n++)
        {
            string input = RandomResponse(random, format);

            RecordingObserver observer = TextParserHarness.AssertSplitInvariant(create, input);

            if (observer.Started.Count == 0 && observer.Reasoning.Length == 0 && !input.Contains("think>", StringComparison.Ordinal))
            {
                Assert.Equal(input, observer.Text);
            }

            withCalls += observer.Calls.Count > 0 ? 1 : 0;
            withDiagnostics += observer.Diagnostics.Count > 0 ? 1 : 0;
        }

        // The generator reaches both calls and malformed markup.
        Assert.True(withCalls >= 15 && withDiagnostics >= 10, $"{withCalls} inputs with calls, {withDiagnostics} with diagnostics.");
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Append_WellFormedCall_CompletesWithTheWrittenArguments(string format)
    {
        string input = "Hi. " + RenderCall(format, "get_weather", [("city", "Paris"), ("days", "3")]) + " Bye.";
        ToolCallParserOptions options = WithSchemas(("get_weather", """{"type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"}}}"""));

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(() => ToolCallFormatRegistry.Default.Create(format, options), input);

        ParsedToolCall call = Assert.Single(observer.Calls);
        Assert.Equal("get_weather", call.Name);
        AssertJson("""{"city": "Paris", "days": 3}""", call);
        Assert.Equal("Hi.  Bye.", observer.Text);
        Assert.Empty(observer.Diagnostics);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Complete_InsideAStartedCall_AbortsIt(string format)
    {
        string call = RenderCall(format, "f", [("a", "value")]);
        string input = call[..(call.IndexOf("value", StringComparison.Ordinal) + 3)];

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(() => ToolCallFormatRegistry.Default.Create(format), input);

        Assert.Empty(observer.Calls);
        Assert.Equal([0], observer.Aborted);
        Assert.Contains(ParserDiagnosticCodes.CallUnterminated, observer.DiagnosticCodes);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Append_ManyCalls_DroppedPastTheLimit(string format)
    {
        var options = new ToolCallParserOptions { MaxCallsPerResponse = 2 };
        string input = string.Concat(Enumerable.Range(0, 4).Select(k => RenderCall(format, "f" + k, [("a", "1")])));

        RecordingObserver observer = TextParserHarness.Run(() => ToolCallFormatRegistry.Default.Create(format, options), input);

        Assert.Equal(["f0", "f1"], observer.Calls.Select(c => c.Name));
        Assert.Equal(2, observer.DiagnosticCodes.Count(c => c == ParserDiagnosticCodes.TooManyCalls));
        Assert.Equal(string.Empty, observer.Text.Trim());
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Append_LongValue_AbortedAtTheLimitWhereverSplit(string format)
    {
        var options = new ToolCallParserOptions { MaxArgumentsLength = 40 };
        string input = RenderCall(format, "f", [("a", new string('v', 200))]) + RenderCall(format, "g", [("b", "2")]);

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(() => ToolCallFormatRegistry.Default.Create(format, options), input);

        Assert.Equal([0], observer.Aborted);
        Assert.Equal(ParserDiagnosticCodes.ArgumentsTooLong, observer.Diagnostics[0].Code);
        Assert.True(observer.ArgumentsOf(0).Length <= 40);
        Assert.Equal("g", Assert.Single(observer.Calls).Name);
    }

    /// <summary>Options whose tool schemas are the given (name, parameters schema) pairs.</summary>
    internal static ToolCallParserOptions WithSchemas(params (string Name, string Schema)[] tools) => new()
    {
        ToolSchemas = tools.ToDictionary(t => t.Name, t => JsonElement.Parse(t.Schema)),
    };

    /// <summary>Checks the completed calls against "name {json}" entries joined by " | " (empty for none).</summary>
    internal static void AssertCalls(string expected, RecordingObserver observer)
    {
        string[] entries = expected.Length == 0 ? [] : expected.Split(" | ");
        Assert.Equal(entries.Length, observer.Calls.Count);
        for (int i = 0; i < entries.Length; i++)
        {
            int space = entries[i].IndexOf(' ', StringComparison.Ordinal);
            Assert.Equal(entries[i][..space], observer.Calls[i].Name);
            AssertJson(entries[i][(space + 1)..], observer.Calls[i]);
        }
    }

    /// <summary>Checks a call's arguments against the expected JSON object, and that its deltas spell its arguments text.</summary>
    internal static void AssertJson(string expected, ParsedToolCall call)
    {
        Assert.True(call.IsValid, call.Error);
        JsonElement arguments = call.Arguments!.Value;
        Assert.True(JsonElement.DeepEquals(JsonElement.Parse(expected), arguments), $"Expected {expected}, got {arguments.GetRawText()}.");
    }

    /// <summary>One call written in a format, parameters in order.</summary>
    internal static string RenderCall(string format, string name, (string Key, string Value)[] parameters)
    {
        var b = new StringBuilder();
        switch (format)
        {
            case "qwen3_coder" or "qwen3_xml" or "step3p5":
                b.Append($"<tool_call>\n<function={name}>\n");
                foreach ((string key, string value) in parameters)
                {
                    b.Append($"<parameter={key}>\n{value}\n</parameter>\n");
                }

                return b.Append("</function>\n</tool_call>").ToString();
            case "seed_oss":
                b.Append($"<seed:tool_call>\n<function={name}>\n");
                foreach ((string key, string value) in parameters)
                {
                    b.Append($"<parameter={key}>{value}</parameter>\n");
                }

                return b.Append("</function>\n</seed:tool_call>").ToString();
            case "glm45" or "glm47":
                string nl = format == "glm45" ? "\n" : string.Empty;
                b.Append($"<tool_call>{name}{nl}");
                foreach ((string key, string value) in parameters)
                {
                    b.Append($"<arg_key>{key}</arg_key>{nl}<arg_value>{value}</arg_value>{nl}");
                }

                return b.Append("</tool_call>").ToString();
            case "minimax_m2":
                b.Append($"<minimax:tool_call>\n<invoke name=\"{name}\">\n");
                foreach ((string key, string value) in parameters)
                {
                    b.Append($"<parameter name=\"{key}\">{value}</parameter>\n");
                }

                return b.Append("</invoke>\n</minimax:tool_call>").ToString();
            case "minimax_m3":
                b.Append($"{M3}<tool_call>\n{M3}<invoke name=\"{name}\">");
                foreach ((string key, string value) in parameters)
                {
                    b.Append($"{M3}<{key}>{value}{M3}</{key}>");
                }

                return b.Append($"{M3}</invoke>\n{M3}</tool_call>").ToString();
            case "deepseek_v32" or "deepseek_v4":
                string block = format == "deepseek_v4" ? "tool_calls" : "function_calls";
                b.Append($"<｜DSML｜{block}>\n<｜DSML｜invoke name=\"{name}\">\n");
                foreach ((string key, string value) in parameters)
                {
                    b.Append($"<｜DSML｜parameter name=\"{key}\" string=\"{(long.TryParse(value, out _) ? "false" : "true")}\">{value}</｜DSML｜parameter>\n");
                }

                return b.Append($"</｜DSML｜invoke>\n</｜DSML｜{block}>").ToString();
            default:
                b.Append($"<|tool_call>call:{name}{{");
                b.AppendJoin(',', parameters.Select(p => long.TryParse(p.Value, out _) ? $"{p.Key}:{p.Value}" : $"{p.Key}:<|\"|>{p.Value}<|\"|>"));
                return b.Append("}<tool_call|>").ToString();
        }
    }

    // Text and calls; some calls are cut short or have a random piece inserted.
    private static string RandomResponse(Random random, string format)
    {
        string[] text = ["hi ", "a < b", "<", "\n", "é ", "]<]", "<think>r</think>", "x</think>", "<tool_", "{"];
        string[] values = ["Paris", "a < b", "x\ny", "\"q\"", "42", "[1, {\"a\": 2}]", "杭州 🎉", string.Empty, "\n"];
        string[] noise = ["<", ">", "</", "/>", "\n", "x", "\"", "{", "}", "[", ",", ":", "=", "\\n", M3, "<|\"|>", "</parameter>", "<tool_call>"];
        var b = new StringBuilder();
        for (int segment = random.Next(1, 4); segment > 0; segment--)
        {
            if (random.Next(3) == 0)
            {
                b.Append(text[random.Next(text.Length)]);
                continue;
            }

            var parameters = new (string, string)[random.Next(0, 3)];
            for (int k = 0; k < parameters.Length; k++)
            {
                parameters[k] = ("p" + k, values[random.Next(values.Length)]);
            }

            string call = RenderCall(format, random.Next(4) == 0 ? "g" : "f", parameters);
            switch (random.Next(4))
            {
                case 0:
                    call = call[..random.Next(call.Length)];
                    break;
                case 1:
                    call = call.Insert(random.Next(call.Length), noise[random.Next(noise.Length)]);
                    break;
                default:
                    break;
            }

            b.Append(call);
        }

        return b.ToString();
    }
}
