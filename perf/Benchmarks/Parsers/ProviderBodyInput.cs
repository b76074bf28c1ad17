using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ToolFlow.Benchmarks.Parsers;

/// <summary>
/// The provider response bodies the body benchmarks read, generated deterministically and of an exact size in
/// characters (ASCII): rounds of text streamed 4 characters per event, then two parallel tool calls, their arguments
/// streamed 4 characters per event where the provider streams arguments (OpenAI chat and Responses, Anthropic) and
/// whole where it does not (Gemini, Ollama), then the provider's normal end.
/// </summary>
public static class ProviderBodyInput
{
    /// <summary>The body formats, by registry name.</summary>
    public static IReadOnlyList<string> Formats { get; } = ["openai-chat", "openai-responses", "anthropic", "gemini", "ollama"];

    private const int DeltaLength = 4;

    private static readonly string[] s_words =
    [
        "the", "forecast", "for", "tomorrow", "shows", "rain", "in", "the", "morning", "and", "sun", "later", "so",
        "I", "will", "check", "a", "few", "cities", "before", "answering", "your", "\"question\"", "about", "travel",
    ];

    private static readonly string[] s_cities = ["Paris", "Tokyo", "New York", "Hangzhou", "Lagos", "Lima", "Oslo", "Cairo"];

    /// <summary>A body of exactly <paramref name="kib"/> KiB, padded at its end with an SSE comment or blank lines.</summary>
    /// <param name="format">One of <see cref="Formats"/>.</param>
    /// <param name="kib">The size in KiB.</param>
    /// <param name="calls">The number of tool calls in the body.</param>
    /// <returns>The body.</returns>
    public static string Create(string format, int kib, out int calls)
    {
        int size = kib * ParserBenchmarkInput.KiB;
        var writer = new BodyWriter(format);
        var random = new Random(20261206);
        var body = new StringBuilder(size);
        body.Append(writer.Start());
        var round = new StringBuilder();
        calls = 0;
        while (true)
        {
            round.Clear();
            writer.AppendRound(round, random, calls);
            if (body.Length + round.Length + writer.End().Length + 16 > size)
            {
                break;
            }

            body.Append(round);
            calls += 2;
        }

        body.Append(writer.End());
        int padding = size - body.Length;
        if (format == "ollama")
        {
            body.Append('\n', padding);
        }
        else
        {
            // A comment line, which every SSE reader skips.
            body.Append(':').Append(' ', padding - 2).Append('\n');
        }

        return body.ToString();
    }

    private static string Json(string text) => JsonSerializer.Serialize(text);

    private static IEnumerable<string> Pieces(string text)
    {
        for (int i = 0; i < text.Length; i += DeltaLength)
        {
            yield return text.Substring(i, Math.Min(DeltaLength, text.Length - i));
        }
    }

    private sealed class BodyWriter(string format)
    {
        private const string ChatHead = """{"id":"chatcmpl-bench0001","object":"chat.completion.chunk","created":1764777657,"model":"gpt-4o-2024-08-06","system_fingerprint":"fp_bench","choices":[{"index":0,"delta":""";
        private const string ChatTail = ""","logprobs":null,"finish_reason":null}]}""";

        private int _outputIndex;

        public string Start() => format switch
        {
            "openai-chat" => Sse(ChatHead + """{"role":"assistant","content":""}""" + ChatTail),
            "openai-responses" => Sse("""{"type":"response.created","sequence_number":0,"response":{"id":"resp_bench","object":"response","status":"in_progress","output":[]}}""", "response.created"),
            "anthropic" => Sse("""{"type":"message_start","message":{"id":"msg_bench","type":"message","role":"assistant","model":"claude-sonnet-4-20250514","content":[],"stop_reason":null}}""", "message_start"),
            _ => string.Empty,
        };

        public string End() => format switch
        {
            "openai-chat" => Sse("""{"id":"chatcmpl-bench0001","object":"chat.completion.chunk","created":1764777657,"model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}""") + "data: [DONE]\n\n",
            "openai-responses" => Sse("""{"type":"response.completed","response":{"id":"resp_bench","status":"completed"}}""", "response.completed"),
            "anthropic" => Sse("""{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":65}}""", "message_delta")
                + Sse("""{"type":"message_stop"}""", "message_stop"),
            "gemini" => Sse("""{"candidates":[{"content":{"role":"model","parts":[{"text":""}]},"finishReason":"STOP","index":0}],"modelVersion":"gemini-2.5-pro"}"""),
            "ollama" => """{"model":"qwen3","created_at":"2026-12-06T20:00:00Z","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop"}""" + "\n",
            _ => throw new ArgumentException($"Unknown body format {format}.", nameof(format)),
        };

        public void AppendRound(StringBuilder body, Random random, int callNumber)
        {
            var text = new StringBuilder();
            int length = random.Next(60, 200);
            while (text.Length < length)
            {
                text.Append(s_words[random.Next(s_words.Length)]).Append(random.Next(12) == 0 ? ".\n" : " ");
            }

            AppendText(body, text.ToString());
            (string Name, string Arguments)[] calls = [Call(random), Call(random)];
            if (format is "gemini" or "ollama")
            {
                // These providers send parallel calls whole, together.
                AppendWholeCalls(body, calls, callNumber);
                return;
            }

            for (int i = 0; i < calls.Length; i++)
            {
                AppendStreamedCall(body, calls[i].Name, calls[i].Arguments, callNumber + i);
            }
        }

        private void AppendText(StringBuilder body, string text)
        {
            int block = _outputIndex;
            if (format == "anthropic")
            {
                body.Append(Sse($$$"""{"type":"content_block_start","index":{{{block}}},"content_block":{"type":"text","text":""}}""", "content_block_start"));
            }

            foreach (string piece in Pieces(text))
            {
                string json = Json(piece);
                body.Append(format switch
                {
                    "openai-chat" => Sse(ChatHead + $$$"""{"content":{{{json}}}}""" + ChatTail),
                    "openai-responses" => Sse($$$"""{"type":"response.output_text.delta","item_id":"msg_bench","output_index":{{{block}}},"content_index":0,"delta":{{{json}}}}""", "response.output_text.delta"),
                    "anthropic" => Sse($$$"""{"type":"content_block_delta","index":{{{block}}},"delta":{"type":"text_delta","text":{{{json}}}}}""", "content_block_delta"),
                    "gemini" => Sse($$$"""{"candidates":[{"content":{"role":"model","parts":[{"text":{{{json}}}}]},"index":0}],"modelVersion":"gemini-2.5-pro"}"""),
                    _ => $$$"""{"model":"qwen3","created_at":"2026-12-06T20:00:00Z","message":{"role":"assistant","content":{{{json}}}},"done":false}""" + "\n",
                });
            }

            if (format == "anthropic")
            {
                body.Append(Sse($$$"""{"type":"content_block_stop","index":{{{block}}}}""", "content_block_stop"));
            }

            if (format is "anthropic" or "openai-responses")
            {
                _outputIndex++;
            }
        }

        private void AppendStreamedCall(StringBuilder body, string name, string arguments, int callNumber)
        {
            string id = "call_" + callNumber.ToString("D8", CultureInfo.InvariantCulture);
            int block = _outputIndex++;
            switch (format)
            {
                case "openai-chat":
                    body.Append(Sse(ChatHead + $$$"""{"tool_calls":[{"index":{{{callNumber}}},"id":"{{{id}}}","type":"function","function":{"name":"{{{name}}}","arguments":""}}]}""" + ChatTail));
                    foreach (string piece in Pieces(arguments))
                    {
                        body.Append(Sse(ChatHead + $$$"""{"tool_calls":[{"index":{{{callNumber}}},"function":{"arguments":{{{Json(piece)}}}}}]}""" + ChatTail));
                    }

                    break;

                case "openai-responses":
                    body.Append(Sse($$$"""{"type":"response.output_item.added","output_index":{{{block}}},"item":{"id":"fc_{{{id}}}","type":"function_call","status":"in_progress","arguments":"","call_id":"{{{id}}}","name":"{{{name}}}"}}""", "response.output_item.added"));
                    foreach (string piece in Pieces(arguments))
                    {
                        body.Append(Sse($$$"""{"type":"response.function_call_arguments.delta","item_id":"fc_{{{id}}}","output_index":{{{block}}},"delta":{{{Json(piece)}}}}""", "response.function_call_arguments.delta"));
                    }

                    body.Append(Sse($$$"""{"type":"response.function_call_arguments.done","item_id":"fc_{{{id}}}","output_index":{{{block}}},"arguments":{{{Json(arguments)}}}}""", "response.function_call_arguments.done"));
                    body.Append(Sse($$$"""{"type":"response.output_item.done","output_index":{{{block}}},"item":{"id":"fc_{{{id}}}","type":"function_call","status":"completed","arguments":{{{Json(arguments)}}},"call_id":"{{{id}}}","name":"{{{name}}}"}}""", "response.output_item.done"));
                    break;

                default:
                    body.Append(Sse($$$"""{"type":"content_block_start","index":{{{block}}},"content_block":{"type":"tool_use","id":"toolu_{{{id}}}","name":"{{{name}}}","input":{} }}""", "content_block_start"));
                    foreach (string piece in Pieces(arguments))
                    {
                        body.Append(Sse($$$"""{"type":"content_block_delta","index":{{{block}}},"delta":{"type":"input_json_delta","partial_json":{{{Json(piece)}}}}}""", "content_block_delta"));
                    }

                    body.Append(Sse($$$"""{"type":"content_block_stop","index":{{{block}}}}""", "content_block_stop"));
                    break;
            }
        }

        private void AppendWholeCalls(StringBuilder body, (string Name, string Arguments)[] calls, int callNumber)
        {
            var parts = new StringBuilder();
            for (int i = 0; i < calls.Length; i++)
            {
                parts.Append(i == 0 ? string.Empty : ",");
                parts.Append(format == "gemini"
                    ? $$$"""{"functionCall":{"name":"{{{calls[i].Name}}}","args":{{{calls[i].Arguments}}}}}"""
                    : $$$"""{"id":"call_{{{(callNumber + i).ToString("D8", CultureInfo.InvariantCulture)}}}","function":{"index":{{{i}}},"name":"{{{calls[i].Name}}}","arguments":{{{calls[i].Arguments}}}}}""");
            }

            body.Append(format == "gemini"
                ? Sse($$$"""{"candidates":[{"content":{"role":"model","parts":[{{{parts}}}]},"index":0}],"modelVersion":"gemini-2.5-pro"}""")
                : $$$"""{"model":"qwen3","created_at":"2026-12-06T20:00:00Z","message":{"role":"assistant","content":"","tool_calls":[{{{parts}}}]},"done":false}""" + "\n");
        }

        private static (string Name, string Arguments) Call(Random random)
        {
            string city = s_cities[random.Next(s_cities.Length)];
            string other = s_cities[random.Next(s_cities.Length)];
            int number = random.Next(1, 10);
            return random.Next(2) == 0
                ? ("get_weather", $$$"""{"city": "{{{city}}}", "days": {{{number}}}, "units": "metric"}""")
                : ("search_flights", $$$"""{"from": "{{{city}}}", "to": "{{{other}}}", "passengers": {{{number}}}, "flexible": true, "stops": ["{{{other}}}", "{{{city}}}"]}""");
        }

        private static string Sse(string data, string? eventType = null) =>
            eventType is null ? $"data: {data}\n\n" : $"event: {eventType}\ndata: {data}\n\n";
    }
}
