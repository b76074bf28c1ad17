using System.Globalization;
using System.Text;
using System.Text.Json;
using ToolFlow.StreamParsers;

namespace ToolFlow.Benchmarks.Parsers;

/// <summary>
/// The model responses the parser benchmarks read, generated deterministically: prose with many tool calls in the
/// Hermes or qwen3_coder format, or prose alone, of an exact size in characters (ASCII, so characters are bytes).
/// </summary>
public static class ParserBenchmarkInput
{
    /// <summary>Characters in a KiB of input; benchmarks count operations in KiB.</summary>
    public const int KiB = 1024;

    private static readonly string[] s_words =
    [
        "the", "forecast", "for", "tomorrow", "shows", "rain", "in", "the", "morning", "and", "sun", "later", "so",
        "I", "will", "check", "a", "few", "cities", "before", "answering", "your", "question", "about", "travel",
        "plans", "prices", "are", "higher", "when", "demand", "peaks", "<", "b", ">", "x", "<=", "y", "[1]", "and",
    ];

    private static readonly string[] s_cities = ["Paris", "Tokyo", "New York", "Hangzhou", "Lagos", "Lima", "Oslo", "Cairo"];

    /// <summary>The tool schemas the calls use, for formats that type values from them.</summary>
    public static IReadOnlyDictionary<string, JsonElement> ToolSchemas { get; } = new Dictionary<string, JsonElement>
    {
        ["get_weather"] = JsonElement.Parse("""{"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer"},"units":{"type":"string"}}}"""),
        ["search_flights"] = JsonElement.Parse("""{"type":"object","properties":{"from":{"type":"string"},"to":{"type":"string"},"passengers":{"type":"integer"},"flexible":{"type":"boolean"},"stops":{"type":"array"}}}"""),
    };

    /// <summary>Options for the benchmarks: the schemas, and no call-count limit in the way of a 1 MB response.</summary>
    public static ToolCallParserOptions Options { get; } = new() { ToolSchemas = ToolSchemas, MaxCallsPerResponse = 1_000_000 };

    /// <summary>A response of exactly <paramref name="kib"/> KiB.</summary>
    /// <param name="format"><c>hermes</c> or <c>qwen3_coder</c>.</param>
    /// <param name="kib">The size in KiB.</param>
    /// <param name="withCalls">Whether the response holds calls; without, it is prose only.</param>
    /// <returns>The response.</returns>
    public static string Create(string format, int kib, bool withCalls)
    {
        int size = kib * KiB;
        var random = new Random(20240611);
        var text = new StringBuilder(size);
        var segment = new StringBuilder();
        while (true)
        {
            segment.Clear();
            AppendProse(segment, random, random.Next(150, 450));
            if (withCalls)
            {
                AppendCall(segment, random, format);
            }

            if (text.Length + segment.Length > size)
            {
                break;
            }

            text.Append(segment);
        }

        while (text.Length < size)
        {
            text.Append(s_words[random.Next(s_words.Length)]).Append(' ');
        }

        text.Length = size;
        return text.ToString();
    }

    /// <summary>How many calls a response holds.</summary>
    /// <param name="text">The response.</param>
    /// <returns>The number of call blocks.</returns>
    public static int CountCalls(string text)
    {
        int count = 0;
        for (int i = text.IndexOf("<tool_call>", StringComparison.Ordinal); i >= 0; i = text.IndexOf("<tool_call>", i + 1, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private static void AppendProse(StringBuilder text, Random random, int length)
    {
        int end = text.Length + length;
        while (text.Length < end)
        {
            text.Append(s_words[random.Next(s_words.Length)]);
            text.Append(random.Next(12) == 0 ? ".\n" : " ");
        }
    }

    private static void AppendCall(StringBuilder text, Random random, string format)
    {
        string city = s_cities[random.Next(s_cities.Length)];
        string other = s_cities[random.Next(s_cities.Length)];
        int number = random.Next(1, 10);
        bool weather = random.Next(2) == 0;
        if (format == "hermes")
        {
            text.Append("\n<tool_call>\n");
            text.Append(weather
                ? $$$"""{"name": "get_weather", "arguments": {"city": "{{{city}}}", "days": {{{number}}}, "units": "metric"}}"""
                : $$$"""{"name": "search_flights", "arguments": {"from": "{{{city}}}", "to": "{{{other}}}", "passengers": {{{number}}}, "flexible": true, "stops": ["{{{other}}}", "{{{city}}}"]}}""");
            text.Append("\n</tool_call>\n");
            return;
        }

        text.Append("\n<tool_call>\n<function=").Append(weather ? "get_weather" : "search_flights").Append(">\n");
        if (weather)
        {
            Parameter(text, "city", city);
            Parameter(text, "days", number.ToString(CultureInfo.InvariantCulture));
            Parameter(text, "units", "metric");
        }
        else
        {
            Parameter(text, "from", city);
            Parameter(text, "to", other);
            Parameter(text, "passengers", number.ToString(CultureInfo.InvariantCulture));
            Parameter(text, "flexible", "true");
            Parameter(text, "stops", $"[\"{other}\", \"{city}\"]");
        }

        text.Append("</function>\n</tool_call>\n");
    }

    private static void Parameter(StringBuilder text, string name, string value) =>
        text.Append("<parameter=").Append(name).Append(">\n").Append(value).Append("\n</parameter>\n");
}
