using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ToolFlow.StreamParsers.Tests;

/// <summary>
/// Writes a generated response as a model writes it in one text format, and says what the parser must give back:
/// the text (the generated text the format can carry), the calls, and the options the parser needs.
/// </summary>
internal sealed record TextFormatRenderer(
    string Format,
    Func<GeneratedResponse, string> Render,
    Func<GeneratedResponse, string> ExpectedText,
    Func<string, string> CleanText,
    Func<GeneratedResponse, ToolCallParserOptions>? Options = null,
    bool XmlValues = false,
    Func<JsonObject, JsonObject>? Arguments = null,
    bool IsPlan = false)
{
    private static readonly JsonSerializerOptions s_relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly JsonSerializerOptions s_escaped = new() { Encoder = JavaScriptEncoder.Default };
    private static readonly JsonSerializerOptions s_indented = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, WriteIndented = true };

    public override string ToString() => Format;

    /// <summary>Every text the format can carry, all of it: text between calls is kept as it is.</summary>
    public static string AllText(GeneratedResponse response) => response.Text;

    /// <summary>Only the text before the calls: the format puts its calls at the end.</summary>
    public static string LeadingText(GeneratedResponse response) => response.Texts[0];

    /// <summary>The arguments as JSON, written one of three ways (non-ASCII raw or escaped, compact or indented).</summary>
    public static string Json(JsonNode node, int seed) => node.ToJsonString((seed & 3) switch
    {
        0 => s_escaped,
        1 => s_indented,
        _ => s_relaxed,
    });

    /// <summary>Removes every occurrence of the markers, again until none is left (a removal can join two halves).</summary>
    public static Func<string, string> Without(params string[] markers) => text =>
    {
        bool changed = true;
        while (changed)
        {
            changed = false;
            foreach (string marker in markers)
            {
                if (text.Contains(marker, StringComparison.Ordinal))
                {
                    text = text.Replace(marker, string.Empty, StringComparison.Ordinal);
                    changed = true;
                }
            }
        }

        return text;
    };

    public static readonly TextFormatRenderer Hermes = new(
        "hermes",
        r => Interleave(r, (c, i) => $"<tool_call>\n{{\"name\": \"{c.Name}\", \"arguments\": {Json(c.Arguments, r.Seed + i)}}}\n</tool_call>"),
        AllText,

        // The hermes grammar also reads its variants: a fence right before a call opens a fenced call, which then
        // expects its closing fence, <function=...> opens a call, and a bare JSON object may be a call (each a
        // diagnostic when what follows is not one; a "{" right before a marker takes the marker into the text).
        Without("<tool_call>", "</tool_call>", "```", "<function", "{"));

    public static readonly TextFormatRenderer Mistral = new(
        "mistral",
        r => r.Texts[0] + Block(r, "[TOOL_CALLS][" + string.Join(", ", r.Calls.Select((c, i) => $"{{\"name\": \"{c.Name}\", \"arguments\": {Json(c.Arguments, r.Seed + i)}}}")) + "]"),
        LeadingText,
        Without("[TOOL_CALLS"));

    public static readonly TextFormatRenderer KimiK2 = new(
        "kimi_k2",
        r => r.Texts[0] + Block(r, "<|tool_calls_section_begin|>" +
             string.Concat(r.Calls.Select((c, i) => $"<|tool_call_begin|>functions.{c.Name}:{i}<|tool_call_argument_begin|>{Json(c.Arguments, r.Seed + i)}<|tool_call_end|>")) +
             "<|tool_calls_section_end|>" + r.Texts[^1]),
        r => r.Calls.Count == 0 ? r.Texts[0] : r.Texts[0] + r.Texts[^1],
        Without("<|"));

    public static readonly TextFormatRenderer DeepSeekV3 = new(
        "deepseek_v3",
        r => r.Texts[0] + Block(r, "<｜tool▁calls▁begin｜>" +
             string.Concat(r.Calls.Select((c, i) => $"<｜tool▁call▁begin｜>function<｜tool▁sep｜>{c.Name}\n```json\n{Json(c.Arguments, r.Seed + i)}\n```<｜tool▁call▁end｜>")) +
             "<｜tool▁calls▁end｜>"),
        LeadingText,
        Without("<｜"));

    public static readonly TextFormatRenderer Pythonic = new(
        "pythonic",
        r => r.Texts[0] + Block(r, "[" + string.Join(", ", r.Calls.Select(c => PythonCall(c))) + "]"),
        LeadingText,
        Without("["));

    public static readonly TextFormatRenderer Llama4Pythonic = new(
        "llama4_pythonic",
        r => r.Texts[0] + Block(r, "<|python_start|>[" + string.Join(", ", r.Calls.Select(c => PythonCall(c))) + "]<|python_end|>" + r.Texts[^1]),
        r => r.Calls.Count == 0 ? r.Texts[0] : r.Texts[0] + r.Texts[^1],

        // A bracket in the text may open a list of calls written without the markers, as llama 4 also does.
        Without("<|", "["));

    public static readonly TextFormatRenderer Qwen3Coder = new(
        "qwen3_coder",
        r => Interleave(r, (c, i) =>
            "<tool_call>\n<function=" + c.Name + ">\n" +
            string.Concat(c.Arguments.Select(p => $"<parameter={p.Key}>\n{XmlValue(p.Value, r.Seed + i)}\n</parameter>\n")) +
            "</function>\n</tool_call>"),
        AllText,
        Without("<tool_call>", "</tool_call>", "<function", "<parameter"),
        SchemaOptions,
        XmlValues: true);

    public static readonly TextFormatRenderer Granite = new(
        "granite",
        r => r.Texts[0] + Block(r, "<|tool_call|>[" + string.Join(", ", r.Calls.Select((c, i) => $"{{\"name\": \"{c.Name}\", \"arguments\": {Json(c.Arguments, r.Seed + i)}}}")) + "]"),
        LeadingText,
        Without("<|"));

    public static readonly TextFormatRenderer Glm45 = new(
        "glm45",
        r => Interleave(r, (c, i) =>
            "<tool_call>" + c.Name + "\n" +
            string.Concat(c.Arguments.Select(p => $"<arg_key>{p.Key}</arg_key>\n<arg_value>{XmlValue(p.Value, r.Seed + i)}</arg_value>\n")) +
            "</tool_call>"),
        AllText,
        Without("<tool_call>", "</tool_call>", "<arg_"),
        SchemaOptions,
        XmlValues: true);

    public static readonly TextFormatRenderer SeedOss = new(
        "seed_oss",
        r => Interleave(r, (c, i) =>
            "<seed:tool_call>\n<function=" + c.Name + ">\n" +
            string.Concat(c.Arguments.Select(p => $"<parameter={p.Key}>{XmlValue(p.Value, r.Seed + i)}</parameter>\n")) +
            "</function>\n</seed:tool_call>"),
        AllText,
        Without("<seed:", "<function", "<parameter"),
        SchemaOptions,
        XmlValues: true);

    public static readonly TextFormatRenderer MiniMaxM2 = new(
        "minimax_m2",
        r => Interleave(r, (c, i) =>
            "<minimax:tool_call>\n<invoke name=\"" + c.Name + "\">\n" +
            string.Concat(c.Arguments.Select(p => $"<parameter name=\"{p.Key}\">{XmlValue(p.Value, r.Seed + i)}</parameter>\n")) +
            "</invoke>\n</minimax:tool_call>"),
        AllText,
        Without("<minimax:", "<invoke", "<parameter", "</think>", "<think>"),
        SchemaOptions,
        XmlValues: true);

    // A plan: one numbered line per call, its arguments positional; the parser gives them as {"args": [...]}.
    public static readonly TextFormatRenderer LlmCompiler = new(
        "llmcompiler",
        r => string.Concat(r.Calls.Select((c, i) => $"{i + 1}. {c.Name}({string.Join(", ", c.Arguments.Select(p => Python(p.Value)))})\n")),
        _ => string.Empty,
        _ => string.Empty,
        // As LLMCompiler reads a plan, a single list argument is the argument list itself.
        Arguments: a => new JsonObject
        {
            ["args"] = a.Count == 1 && a.Single().Value is JsonArray list ? list.DeepClone() : new JsonArray([.. a.Select(p => p.Value?.DeepClone())]),
        },
        IsPlan: true);

    public static IEnumerable<TextFormatRenderer> All =>
        [Hermes, Mistral, KimiK2, DeepSeekV3, Granite, Pythonic, Llama4Pythonic, Qwen3Coder, Glm45, SeedOss, MiniMaxM2, LlmCompiler];

    /// <summary>Schemas that type each generated parameter as what it is, for formats that type values from them.</summary>
    public static ToolCallParserOptions SchemaOptions(GeneratedResponse response)
    {
        var schemas = new Dictionary<string, JsonElement>();
        foreach (GeneratedCall call in response.Calls)
        {
            var properties = new JsonObject();
            foreach (KeyValuePair<string, JsonNode?> p in call.Arguments)
            {
                properties[p.Key] = new JsonObject { ["type"] = JsonTypeName(p.Value) };
            }

            // Two calls to one tool may type a parameter differently; the schema of the first is what the tool has.
            schemas.TryAdd(call.Name, JsonSerializer.SerializeToElement(new JsonObject { ["type"] = "object", ["properties"] = properties }));
        }

        return new ToolCallParserOptions { ToolSchemas = schemas };
    }

    private static string JsonTypeName(JsonNode? value) => value?.GetValueKind() switch
    {
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        _ => "null",
    };

    private static string XmlValue(JsonNode? value, int seed) =>
        value?.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : value is null ? "null" : Json(value, seed);

    // A format that writes its calls in one block at the end writes no block when there are none.
    private static string Block(GeneratedResponse r, string block) => r.Calls.Count == 0 ? string.Empty : block;

    private static string Interleave(GeneratedResponse r, Func<GeneratedCall, int, string> call)
    {
        var sb = new StringBuilder(r.Texts[0]);
        for (int i = 0; i < r.Calls.Count; i++)
        {
            sb.Append(call(r.Calls[i], i)).Append(r.Texts[i + 1]);
        }

        return sb.ToString();
    }

    private static string PythonCall(GeneratedCall call) =>
        call.Name + "(" + string.Join(", ", call.Arguments.Select(p => p.Key + "=" + Python(p.Value))) + ")";

    private static string Python(JsonNode? value) => value switch
    {
        null => "None",
        JsonObject o => "{" + string.Join(", ", o.Select(p => Python(JsonValue.Create(p.Key)) + ": " + Python(p.Value))) + "}",
        JsonArray a => "[" + string.Join(", ", a.Select(Python)) + "]",
        _ => value.GetValueKind() switch
        {
            JsonValueKind.True => "True",
            JsonValueKind.False => "False",
            JsonValueKind.String => PythonString(value.GetValue<string>()),
            _ => value.ToJsonString(),
        },
    };

    private static string PythonString(string s)
    {
        var sb = new StringBuilder("'");
        foreach (char c in s)
        {
            sb.Append(c switch
            {
                '\\' => "\\\\",
                '\'' => "\\'",
                '\n' => "\\n",
                '\t' => "\\t",
                < ' ' => $"\\x{(int)c:x2}",
                _ => c.ToString(),
            });
        }

        return sb.Append('\'').ToString();
    }
}
