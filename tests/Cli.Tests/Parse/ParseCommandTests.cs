using System.CommandLine;
using System.Text.Json;
using ToolFlow.Cli.Parse;
using ToolFlow.StreamParsers;

namespace ToolFlow.Cli.Tests.Parse;

public sealed class ParseCommandTests
{
    private const string HermesOutput =
        "<think>Weather first.</think>Let me check. <tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call> Done.";

    private const string OpenAIChatBody =
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"reasoning_content\":\"Hmm, \"}}]}\n\n" +
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"reasoning_content\":\"weather.\"}}]}\n\n" +
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Checking \"}}]}\n\n" +
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"now.\"}}]}\n\n" +
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":1,\"id\":\"call_1\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\"}}]}}]}\n\n" +
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":1,\"function\":{\"name\":\"\",\"arguments\":\"\\\"Paris\\\"}\"}}]}}]}\n\n" +
        "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n" +
        "data: [DONE]\n\n";

    private const string AnthropicBody =
        "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"make_file\",\"input\":{}}}\n\n" +
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"name\\\": \\\"ta\"}}\n\n" +
        "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"max_tokens\"}}\n\n";

    public static TheoryData<string, string> Inputs() => new()
    {
        { "hermes", HermesOutput },
        { "openai-chat", OpenAIChatBody },
        { "anthropic", AnthropicBody },
    };

    [Theory]
    [MemberData(nameof(Inputs))]
    public async Task RunAsync_ChunkSizes1And3AndWhole_PrintTheSameLines(string format, string input)
    {
        (int _, string whole, string _) = await RunAsync(format, input);
        (int _, string ones, string _) = await RunAsync(format, input, chunkSize: 1);
        (int _, string threes, string _) = await RunAsync(format, input, chunkSize: 3);

        Assert.NotEmpty(whole);
        Assert.Equal(whole, ones);
        Assert.Equal(whole, threes);
    }

    [Fact]
    public async Task RunAsync_ProviderStream_PrintsReasoningTextAndTheCallWithItsOffset()
    {
        (int exitCode, string output, string error) = await RunAsync("openai-chat", OpenAIChatBody, chunkSize: 5);

        Assert.Equal(0, exitCode);
        Assert.Empty(error);
        string closing = "\\\"Paris\\\"}\"}}]}}]}\n\n";
        int offset = OpenAIChatBody.IndexOf(closing, StringComparison.Ordinal) + closing.Length;
        Assert.Equal(
            [
                """{"event":"reasoning","text":"Hmm, weather."}""",
                """{"event":"text","text":"Checking now."}""",
                $$"""{"event":"call","index":0,"id":"call_1","name":"get_weather","arguments":{"city":"Paris"},"offset":{{offset}}}""",
            ],
            Lines(output));
    }

    [Theory]
    [InlineData(null)]
    [InlineData(1)]
    [InlineData(7)]
    public async Task RunAsync_EightCallsAnnouncedBeforeTheirArguments_PrintsEachWithItsRealArguments(int? chunkSize)
    {
        // The server names all eight calls first, with empty arguments, then streams the arguments of each in turn.
        var body = new System.Text.StringBuilder();
        for (int i = 0; i < 8; i++)
        {
            body.Append($$$"""data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":{{{i}}},"id":"call_{{{i}}}","function":{"name":"tool_{{{i}}}","arguments":""}}]}}]}""").Append("\n\n");
        }

        for (int i = 0; i < 8; i++)
        {
            body.Append($$$"""data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":{{{i}}},"function":{"arguments":"{\"n\":"}}]}}]}""").Append("\n\n");
            body.Append($$$"""data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":{{{i}}},"function":{"arguments":"{{{i}}}}"}}]}}]}""").Append("\n\n");
        }

        body.Append("data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\ndata: [DONE]\n\n");

        (int exitCode, string output, string error) = await RunAsync("openai-chat", body.ToString(), chunkSize);

        Assert.Equal(0, exitCode);
        Assert.Empty(error);
        List<JsonElement> events = Lines(output).Select(line => JsonElement.Parse(line)).ToList();
        Assert.All(events, e => Assert.Equal("call", e.GetProperty("event").GetString()));
        Assert.Equal(
            Enumerable.Range(0, 8).Select(i => (i, $"call_{i}", $"tool_{i}", $$"""{"n":{{i}}}""")),
            events.Select(e => (e.GetProperty("index").GetInt32(), e.GetProperty("id").GetString()!, e.GetProperty("name").GetString()!, e.GetProperty("arguments").GetRawText())));
    }

    [Fact]
    public async Task RunAsync_HermesText_PrintsTextRunsAroundTheCall()
    {
        (int exitCode, string output, string _) = await RunAsync("hermes", "Let me check. <tool_call>{\"name\": \"f\", \"arguments\": {\"a\": 1}}</tool_call> Done.", chunkSize: 2);

        Assert.Equal(0, exitCode);
        string[] lines = Lines(output);
        Assert.Equal("""{"event":"text","text":"Let me check. "}""", lines[0]);
        Assert.StartsWith("""{"event":"call","index":0,"id":null,"name":"f","arguments":{"a":1},"offset":""", lines[1], StringComparison.Ordinal);
        Assert.Equal("""{"event":"text","text":" Done."}""", lines[^1]);
    }

    [Fact]
    public async Task RunAsync_MaxTokensStop_PrintsAbortAndDiagnosticsButNoCall()
    {
        (int exitCode, string output, string _) = await RunAsync("anthropic", AnthropicBody);

        Assert.Equal(0, exitCode);
        List<JsonElement> events = Lines(output).Select(line => JsonElement.Parse(line)).ToList();
        Assert.DoesNotContain(events, e => e.GetProperty("event").GetString() == "call");
        Assert.Contains(events, e => e.GetProperty("event").GetString() == "aborted" && e.GetProperty("index").GetInt32() == 0);
        Assert.Contains(events, e => e.GetProperty("event").GetString() == "diagnostic" && e.GetProperty("code").GetString() == ProviderStreamDiagnosticCodes.ResponseStopped);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(1)]
    [InlineData(3)]
    public async Task RunAsync_InvalidUtf8_DiagnosticWithItsByteOffsetAndTheTextGoesOnWithAReplacement(int? chunkSize)
    {
        // "Caf" 0xC3 "! " then a stray 0xFF inside a call's arguments; the call is complete when they close, 3 characters on.
        byte[] input = [.. "Café"u8[..3], 0xC3, .. "! <tool_call>{\"name\": \"f\", \"arguments\": {\"a\": \""u8, 0xFF, .. "\"}}</tool_call>"u8];

        (int exitCode, string output, string error) = await RunBytesAsync("hermes", input, chunkSize);

        Assert.Equal(0, exitCode);
        Assert.Empty(error);
        int stray = Array.IndexOf(input, (byte)0xFF);
        Assert.Equal(
            [
                """{"event":"text","text":"Caf�"}""",
                """{"event":"diagnostic","code":"input-invalid-utf8","message":"The input is not valid UTF-8 at byte 3 (C3); it reads as U+FFFD.","offset":3}""",
                """{"event":"text","text":"! "}""",
                $$"""{"event":"diagnostic","code":"input-invalid-utf8","message":"The input is not valid UTF-8 at byte {{stray}} (FF); it reads as U+FFFD.","offset":{{stray}}}""",
                $$"""{"event":"call","index":0,"id":null,"name":"f","arguments":{"a":"�"},"offset":{{stray + 3}}}""",
            ],
            Lines(output));
    }

    [Fact]
    public async Task RunAsync_ManyInvalidBytes_ReportsTheFirst100AndReplacesEveryOne()
    {
        byte[] input = [.. Enumerable.Repeat((byte)0xFF, 250)];

        (int exitCode, string output, string _) = await RunBytesAsync("text", input, chunkSize: null);

        Assert.Equal(0, exitCode);
        List<JsonElement> events = Lines(output).Select(line => JsonElement.Parse(line)).ToList();
        List<JsonElement> diagnostics = events.Where(e => e.GetProperty("event").GetString() == "diagnostic").ToList();
        Assert.Equal(ParseCommand.MaxInvalidUtf8Reports, diagnostics.Count);
        Assert.Contains("without a report", diagnostics[^1].GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(new string('\uFFFD', 250), string.Concat(events.Where(e => e.GetProperty("event").GetString() == "text").Select(e => e.GetProperty("text").GetString())));
    }

    [Fact]
    public async Task RunAsync_UnknownFormat_ListsTheFormatsAndExitsWith2()
    {
        (int exitCode, string output, string error) = await RunAsync("no-such-format", "text");

        Assert.Equal(ParseCommand.UsageError, exitCode);
        Assert.Empty(output);
        Assert.Contains("'no-such-format'", error, StringComparison.Ordinal);
        Assert.Contains("hermes", error, StringComparison.Ordinal);
        Assert.Contains("openai-chat", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ChunkSizeZero_ExitsWith2()
    {
        (int exitCode, string _, string error) = await RunAsync("hermes", "text", chunkSize: 0);

        Assert.Equal(ParseCommand.UsageError, exitCode);
        Assert.Contains("--chunk-size", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_MissingToolsFile_ExitsWith2()
    {
        (int exitCode, string _, string error) = await RunAsync("hermes", "text", toolsPath: Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".json"));

        Assert.Equal(ParseCommand.UsageError, exitCode);
        Assert.Contains("tools file", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ToolsFileNotUtf8_ExitsWith2NamingTheByte()
    {
        string path = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".json");
        byte[] before = "[{\"name\": \"caf"u8.ToArray();
        await File.WriteAllBytesAsync(path, [.. before, 0xE9, .. "\"}]"u8]); // a Latin-1 é
        try
        {
            (int exitCode, string _, string error) = await RunAsync("hermes", "text", toolsPath: path);

            Assert.Equal(ParseCommand.UsageError, exitCode);
            Assert.Equal($"toolflow parse: cannot read the tools file '{path}': not valid UTF-8 at byte {before.Length}.", error.TrimEnd());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task RunAsync_ToolsFile_GivesTheParserTheSchemas()
    {
        string path = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".json");
        await File.WriteAllTextAsync(path, """[{"type":"function","function":{"name":"a","parameters":{"type":"object","properties":{"n":{"type":"integer"}}}}},{"name":"b","parameters":{"type":"object"}}]""");
        var registry = new ToolCallFormatRegistry();
        registry.Register("schemas", static options => new SchemaEcho(options));
        try
        {
            var output = new StringWriter();
            int exitCode = await ParseCommand.RunAsync(new MemoryStream("x"u8.ToArray()), output, new StringWriter(), "schemas", null, path, registry, CancellationToken.None);

            Assert.Equal(0, exitCode);
            Assert.Equal(["""{"event":"text","text":"a:{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"integer\"}}} b:{\"type\":\"object\"}"}"""], Lines(output.ToString()));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task InvokeAsync_ParseWithUnknownFormat_IsRegisteredAndExitsWith2()
    {
        var output = new StringWriter();
        var error = new StringWriter();

        int exitCode = await Program.BuildCommand().Parse(["parse", "--format", "nope"]).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });

        Assert.Equal(ParseCommand.UsageError, exitCode);
        Assert.Contains("there is no format named 'nope'", error.ToString(), StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(string format, string input, int? chunkSize = null, string? toolsPath = null)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exitCode = await ParseCommand.RunAsync(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(input)), output, error, format, chunkSize, toolsPath, ToolCallFormatRegistry.Default, CancellationToken.None);
        return (exitCode, output.ToString(), error.ToString());
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunBytesAsync(string format, byte[] input, int? chunkSize)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exitCode = await ParseCommand.RunAsync(new MemoryStream(input), output, error, format, chunkSize, null, ToolFlow.StreamParsers.ToolCallFormatRegistry.Default, CancellationToken.None);
        return (exitCode, output.ToString(), error.ToString());
    }

    private static string[] Lines(string output) => output.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Reports the schemas it was given as text, then ignores its input.</summary>
    private sealed class SchemaEcho(ToolCallParserOptions options) : ToolCallTextParser(options)
    {
        public override string Format => "schemas";

        public override void Append(ReadOnlySpan<char> chunk, IToolCallParserObserver observer) => Position += chunk.Length;

        public override void Complete(IToolCallParserObserver observer) =>
            observer.OnText(string.Join(" ", Options.ToolSchemas!.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}:{p.Value.GetRawText()}")));
    }
}
