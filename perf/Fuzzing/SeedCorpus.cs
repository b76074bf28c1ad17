using System.Text.Json;

namespace ToolFlow.Fuzzing;

/// <summary>
/// Writes a target's starting corpus: the shared conformance cases of its formats, read in place, plus a few
/// hand-written inputs. Each is written whole and once more in small chunks.
/// </summary>
internal static class SeedCorpus
{
    // Seeds longer than this are left out: afl-fuzz works best from small inputs.
    private const int MaxSeedLength = 4096;
    private const int MaxSeedsPerFormat = 12;

    private static readonly string[] s_handWritten =
    [
        "Hello <tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"days\": 3}}\n</tool_call> done",
        "<tool_call>\n<function=get_weather>\n<parameter=city>\nParis\n</parameter>\n<parameter=days>\n3\n</parameter>\n</function>\n</tool_call>",
        "[get_weather(city='Paris', days=3, tags=[\"a\", None], hourly=True)]",
        "1. get_weather(\"Paris\")\n2. get_weather($1)\nThought: done\n3. join()<END_OF_PLAN>",
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"c1\",\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"a\\\":\"}}]}}]}\n\ndata: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"1}\"}}]},\"finish_reason\":\"tool_calls\"}]}\n\ndata: [DONE]\n\n",
        "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"tool_use\",\"id\":\"t1\",\"name\":\"f\",\"input\":{}}}\r\n\r\nevent: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"a\\\":1}\"}}\n\n",
        "{\"model\":\"m\",\"message\":{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":[{\"function\":{\"name\":\"f\",\"arguments\":{\"a\":1}}}]},\"done\":false}\n{\"done\":true}\n",
        "[{\"candidates\":[{\"content\":{\"parts\":[{\"functionCall\":{\"name\":\"f\",\"args\":{\"a\":[1,2]}}}]}}]}\n,{\"candidates\":[{\"finishReason\":\"STOP\"}]}]",
        ": comment\ndata: line one\ndata: line two\nevent: x\nid: 7\nretry: 10\n\ndata:{\"a\":\"\\u00e9\\ud83d\\ude00\"}\r\n\r\n",
        "text with near misses <tool_cal <| ``` {\"name\": \"x\"} [TOOL_CALLS and emoji \ud83d\ude00 caf\u00e9",
    ];

    public static int Write(string target, string directory, string conformance)
    {
        Directory.CreateDirectory(directory);
        IReadOnlyList<string> formats = FuzzTargets.Formats(target);
        var inputs = new List<(int Format, string Text)>();
        for (int f = 0; f < formats.Count; f++)
        {
            inputs.AddRange(ConformanceTexts(formats[f], conformance).Take(MaxSeedsPerFormat).Select(t => (f, t)));
        }

        if (target is "bodies" or "sse-framer")
        {
            string sse = Path.Combine(conformance, "sse");
            foreach (string file in Directory.EnumerateFiles(sse, "*.txt").Order(StringComparer.Ordinal))
            {
                string text = File.ReadAllText(file);
                if (text.Length <= MaxSeedLength)
                {
                    inputs.Add((BodyFormat(Path.GetFileName(file), formats), text));
                }
            }
        }

        for (int h = 0; h < s_handWritten.Length; h++)
        {
            inputs.Add((h % formats.Count, s_handWritten[h]));
        }

        int count = 0;
        foreach ((int format, string text) in inputs)
        {
            File.WriteAllBytes(Path.Combine(directory, $"seed{count:D4}"), FuzzInput.Encode((byte)format, [], text));
            count++;

            // The same input in chunks of 1, 3 and 7 characters.
            File.WriteAllBytes(Path.Combine(directory, $"seed{count:D4}"), FuzzInput.Encode((byte)format, [0, 2, 6], text));
            count++;
        }

        return count;
    }

    private static IEnumerable<string> ConformanceTexts(string format, string conformance)
    {
        foreach (string name in new[] { "cases.jsonl", "malformed.jsonl", "partial.jsonl" })
        {
            string path = Path.Combine(conformance, name);
            if (!File.Exists(path))
            {
                continue;
            }

            foreach (string line in File.ReadLines(path))
            {
                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }

                using JsonDocument document = JsonDocument.Parse(line);
                JsonElement root = document.RootElement;
                if (root.TryGetProperty("format", out JsonElement f) && f.GetString() == format
                    && root.TryGetProperty("text", out JsonElement t) && t.ValueKind == JsonValueKind.String
                    && t.GetString() is { Length: > 0 and <= MaxSeedLength } text)
                {
                    yield return text;
                }
            }
        }
    }

    // The recorded streams are named after their provider.
    private static int BodyFormat(string file, IReadOnlyList<string> formats)
    {
        string format = file switch
        {
            _ when file.StartsWith("anthropic", StringComparison.Ordinal) || file.StartsWith("vercel_anthropic", StringComparison.Ordinal) => "anthropic",
            _ when file.StartsWith("openai_responses", StringComparison.Ordinal) => "openai-responses",
            _ when file.StartsWith("vercel_google", StringComparison.Ordinal) => "gemini",
            _ when file.StartsWith("vercel_cohere", StringComparison.Ordinal) => "cohere",
            _ when file.StartsWith("vercel_mistral", StringComparison.Ordinal) => "mistral-chat",
            _ => "openai-chat",
        };
        int index = formats.ToList().IndexOf(format);
        return Math.Max(0, index);
    }
}
