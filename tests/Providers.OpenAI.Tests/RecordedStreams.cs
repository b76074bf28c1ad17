using System.Runtime.CompilerServices;

namespace ToolFlow.Providers.OpenAI.Tests;

/// <summary>
/// The recorded chat-completions streams of the shared corpus (<c>../shared/conformance/parsers/sse/</c>, read in
/// place), with the calls its README says a correct accumulator yields.
/// </summary>
public static class RecordedStreams
{
    private static readonly Lazy<string> s_directory = new(Find);

    /// <summary>Every chat-completions stream of the corpus, by file name.</summary>
    public static IReadOnlyDictionary<string, RecordedStream> All { get; } = new RecordedStream[]
    {
        new("openai_chat_single_tool.sse.txt", [new("GetWeatherArgs", """{"city":"Edinburgh","country":"UK","units":"c"}""")], Usage: (76, 24, 100)),
        new("openai_chat_parallel_tools.sse.txt", [new("GetWeatherArgs", """{"city":"Edinburgh","country":"GB","units":"c"}"""), new("get_stock_price", """{"ticker":"AAPL","exchange":"NASDAQ"}""")], Usage: (149, 60, 209)),
        new("openai_chat_strict_tool.sse.txt", [new("get_weather", """{"city":"San Francisco","state":"CA"}""")], Usage: (48, 19, 67)),
        new("openai_chat_non_strict_tool.sse.txt", [new("get_weather", """{"city":"New York City"}""")], Usage: (44, 16, 60)),
        new("openai_compat_tool_index1.sse.txt", [new("read_file", """{"path":"a.txt"}""")], Text: "Reading it."),
        new("vercel_groq-tool-call.jsonl.txt", [new("weather", "{}")], Usage: (210, 15, 225)),
        new("vercel_deepseek-tool-call.jsonl.txt", [new("weather", """{"location":"San Francisco"}""")], HasReasoning: true, Usage: (339, 83, 422)),
        new("vercel_xai-tool-call.jsonl.txt", [new("weather", """{"location":"San Francisco"}""")], HasReasoning: true, Usage: (307, 26, 560)),
        new("vercel_alibaba-tool-call.jsonl.txt", [new("weather", """{"location":"San Francisco"}""")], Usage: (295, 22, 317)),
        new("vercel_mistral-tool-call.jsonl.txt", [new("weather", """{"location":"San Francisco"}""")], Usage: (124, 22, 146)),
        new("vercel_mistral-incremental-tool-call.jsonl.txt", [new("webSearchTool", """{"query":"current Berlin weather"}""")], Usage: (171, 14, 185)),
    }.ToDictionary(s => s.FileName);

    /// <summary>The names, for theories.</summary>
    public static TheoryData<string> Names => [.. All.Keys];

    /// <summary>The OpenAI and OpenAI-compatible <c>.sse.txt</c> recordings, for theories.</summary>
    public static TheoryData<string> SseNames => [.. All.Keys.Where(k => k.EndsWith(".sse.txt", StringComparison.Ordinal))];

    /// <summary>The folder of the recordings.</summary>
    public static string Directory => s_directory.Value;

    /// <summary>The stream's body as a server sends it: a <c>.jsonl.txt</c> recording gets its SSE framing back.</summary>
    /// <param name="fileName">The file.</param>
    /// <returns>The SSE body.</returns>
    public static string Body(string fileName)
    {
        string text = File.ReadAllText(Path.Combine(Directory, fileName));
        if (fileName.EndsWith(".sse.txt", StringComparison.Ordinal))
        {
            return text;
        }

        IEnumerable<string> events = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => $"data: {line}\n\n");
        return string.Concat(events) + "data: [DONE]\n\n";
    }

    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path) ?? string.Empty;

    private static string Find()
    {
        foreach (string start in new[] { AppContext.BaseDirectory, SourceDirectory() })
        {
            for (DirectoryInfo? directory = new(start); directory is not null; directory = directory.Parent)
            {
                string candidate = Path.Combine(directory.FullName, "shared", "conformance", "parsers");
                if (System.IO.Directory.Exists(candidate))
                {
                    return Path.Combine(candidate, "sse");
                }
            }
        }

        throw new DirectoryNotFoundException("The shared conformance corpus (shared/conformance/parsers) was not found above " + AppContext.BaseDirectory + " nor above " + SourceDirectory());
    }
}
