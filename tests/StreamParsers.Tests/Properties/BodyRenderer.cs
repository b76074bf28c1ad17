using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ToolFlow.StreamParsers.Tests;

/// <summary>
/// Writes a generated response as a provider streams it (server-sent events or newline-delimited JSON), text and
/// calls in order, each call's arguments split into pieces where the provider streams them.
/// </summary>
internal sealed record BodyRenderer(string Format, Func<GeneratedResponse, string> Render)
{
    private static readonly JsonSerializerOptions s_relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public override string ToString() => Format;

    public static readonly BodyRenderer OpenAIChat = new("openai-chat", r => Sse(r, (e, seed) =>
    {
        foreach (Part part in Parts(r))
        {
            if (part.Call is null)
            {
                e(null, $$$$"""{"choices":[{"index":0,"delta":{"content":{{{{Str(part.Text!, seed)}}}}}}]}""");
                continue;
            }

            e(null, $$$$"""{"choices":[{"index":0,"delta":{"tool_calls":[{"index":{{{{part.Index}}}},"id":"call_{{{{part.Index}}}}","type":"function","function":{"name":"{{{{part.Call.Name}}}}","arguments":""}}]}}]}""");
            foreach (string piece in Pieces(part.Call.Arguments.ToJsonString(s_relaxed), seed + part.Index))
            {
                e(null, $$$$"""{"choices":[{"index":0,"delta":{"tool_calls":[{"index":{{{{part.Index}}}},"function":{"arguments":{{{{Str(piece, seed)}}}}}}]}}]}""");
            }
        }

        e(null, $$$$"""{"choices":[{"index":0,"delta":{},"finish_reason":"{{{{(r.Calls.Count > 0 ? "tool_calls" : "stop")}}}}"}]}""");
        e(null, "[DONE]");
    }));

    public static readonly BodyRenderer OpenAIResponses = new("openai-responses", r => Sse(r, (e, seed) =>
    {
        int output = 0;
        foreach (Part part in Parts(r))
        {
            if (part.Call is null)
            {
                e("response.output_text.delta", $$$$"""{"type":"response.output_text.delta","item_id":"msg_{{{{output}}}}","output_index":{{{{output}}}},"content_index":0,"delta":{{{{Str(part.Text!, seed)}}}}}""");
                output++;
                continue;
            }

            string arguments = part.Call.Arguments.ToJsonString(s_relaxed);
            string item = $$$$"""{"type":"function_call","id":"fc_{{{{part.Index}}}}","call_id":"call_{{{{part.Index}}}}","name":"{{{{part.Call.Name}}}}","arguments":""";
            e("response.output_item.added", $$$$"""{"type":"response.output_item.added","output_index":{{{{output}}}},"item":{{{{item}}}}""}}""");
            foreach (string piece in Pieces(arguments, seed + part.Index))
            {
                e("response.function_call_arguments.delta", $$$$"""{"type":"response.function_call_arguments.delta","item_id":"fc_{{{{part.Index}}}}","output_index":{{{{output}}}},"delta":{{{{Str(piece, seed)}}}}}""");
            }

            e("response.function_call_arguments.done", $$$$"""{"type":"response.function_call_arguments.done","item_id":"fc_{{{{part.Index}}}}","output_index":{{{{output}}}},"arguments":{{{{Str(arguments, seed)}}}}}""");
            e("response.output_item.done", $$$$"""{"type":"response.output_item.done","output_index":{{{{output}}}},"item":{{{{item}}}}{{{{Str(arguments, seed)}}}}}}""");
            output++;
        }

        e("response.completed", """{"type":"response.completed","response":{"status":"completed"}}""");
    }));

    public static readonly BodyRenderer Anthropic = new("anthropic", r => Sse(r, (e, seed) =>
    {
        e("message_start", """{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[]}}""");
        int block = 0;
        foreach (Part part in Parts(r))
        {
            if (part.Call is null)
            {
                e("content_block_start", $$$$"""{"type":"content_block_start","index":{{{{block}}}},"content_block":{"type":"text","text":""}}""");
                e("content_block_delta", $$$$"""{"type":"content_block_delta","index":{{{{block}}}},"delta":{"type":"text_delta","text":{{{{Str(part.Text!, seed)}}}}}}""");
            }
            else
            {
                e("content_block_start", $$$$"""{"type":"content_block_start","index":{{{{block}}}},"content_block":{"type":"tool_use","id":"toolu_{{{{part.Index}}}}","name":"{{{{part.Call.Name}}}}","input":{}}}""");
                foreach (string piece in Pieces(part.Call.Arguments.ToJsonString(s_relaxed), seed + part.Index))
                {
                    e("content_block_delta", $$$$"""{"type":"content_block_delta","index":{{{{block}}}},"delta":{"type":"input_json_delta","partial_json":{{{{Str(piece, seed)}}}}}}""");
                }
            }

            e("content_block_stop", $$$$"""{"type":"content_block_stop","index":{{{{block}}}}}""");
            block++;
        }

        e("message_delta", $$$$"""{"type":"message_delta","delta":{"stop_reason":"{{{{(r.Calls.Count > 0 ? "tool_use" : "end_turn")}}}}"}}""");
        e("message_stop", """{"type":"message_stop"}""");
    }));

    public static readonly BodyRenderer Gemini = new("gemini", r => Sse(r, (e, seed) =>
    {
        foreach (Part part in Parts(r))
        {
            string content = part.Call is null
                ? $$$$"""{"text":{{{{Str(part.Text!, seed)}}}}}"""
                : $$$$"""{"functionCall":{"name":"{{{{part.Call.Name}}}}","args":{{{{part.Call.Arguments.ToJsonString(s_relaxed)}}}}}}""";
            e(null, $$$$"""{"candidates":[{"content":{"parts":[{{{{content}}}}],"role":"model"},"index":0}]}""");
        }

        e(null, """{"candidates":[{"content":{"parts":[],"role":"model"},"finishReason":"STOP","index":0}]}""");
    }));

    public static readonly BodyRenderer Ollama = new("ollama", r =>
    {
        var sb = new StringBuilder();
        foreach (Part part in Parts(r))
        {
            string message = part.Call is null
                ? $$$$"""{"role":"assistant","content":{{{{Str(part.Text!, r.Seed)}}}}}"""
                : $$$$"""{"role":"assistant","content":"","tool_calls":[{"function":{"name":"{{{{part.Call.Name}}}}","arguments":{{{{part.Call.Arguments.ToJsonString(s_relaxed)}}}}}}]}""";
            sb.Append($$$$"""{"model":"m","message":{{{{message}}}},"done":false}""").Append('\n');
        }

        sb.Append("""{"model":"m","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop"}""").Append('\n');
        return sb.ToString();
    });

    public static IEnumerable<BodyRenderer> All => [OpenAIChat, OpenAIResponses, Anthropic, Gemini, Ollama];

    private sealed record Part(string? Text, GeneratedCall? Call, int Index);

    // Text and calls in order; empty texts are not sent.
    private static IEnumerable<Part> Parts(GeneratedResponse r)
    {
        for (int i = 0; i < r.Texts.Count; i++)
        {
            if (r.Texts[i].Length > 0)
            {
                yield return new Part(r.Texts[i], null, -1);
            }

            if (i < r.Calls.Count)
            {
                yield return new Part(null, r.Calls[i], i);
            }
        }
    }

    // A JSON string, its non-ASCII written raw or escaped.
    private static string Str(string s, int seed) =>
        (seed & 1) == 0 ? JsonSerializer.Serialize(s, s_relaxed) : JsonSerializer.Serialize(s);

    // The text cut into 1 to 3 pieces at places the seed picks (a piece may end inside an escape or a surrogate pair).
    private static IEnumerable<string> Pieces(string text, int seed)
    {
        var random = new Random(seed);
        int count = random.Next(1, 4);
        int at = 0;
        for (int k = 1; k < count && at < text.Length; k++)
        {
            int next = random.Next(at, text.Length + 1);
            yield return text[at..next];
            at = next;
        }

        yield return text[at..];
    }

    private static string Sse(GeneratedResponse r, Action<Action<string?, string>, int> write)
    {
        var sb = new StringBuilder();
        string lineEnd = (r.Seed & 2) == 0 ? "\n" : "\r\n";
        write((type, data) =>
        {
            if (type is not null)
            {
                sb.Append("event: ").Append(type).Append(lineEnd);
            }

            sb.Append("data: ").Append(data).Append(lineEnd).Append(lineEnd);
        }, r.Seed);
        return sb.ToString();
    }
}
