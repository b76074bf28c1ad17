namespace ToolFlow.StreamParsers;

/// <summary>
/// Every built-in format name and the parser it makes, in one list: what is not written here is not registered.
/// </summary>
internal static class BuiltInFormats
{
    public static void RegisterAll(ToolCallFormatRegistry registry)
    {
        registry.Register("text", static o => new PlainTextParser(o));

        // Provider stream bodies (StreamBodies/): raw response bodies as providers stream them over HTTP.
        registry.Register("openai-chat", static o => new OpenAIChatStreamParser(o));
        registry.Register("mistral-chat", static o => new OpenAIChatStreamParser("mistral-chat", o));
        registry.Register("openai-responses", static o => new OpenAIResponsesStreamParser(o));
        registry.Register("anthropic", static o => new AnthropicStreamParser(o));
        registry.Register("gemini", static o => new GeminiStreamParser(o));
        registry.Register("ollama", static o => new OllamaStreamParser(o));
        registry.Register("cohere", static o => new CohereStreamParser(o));

        // Open-model formats whose arguments are JSON inside markers (MarkedJson/), one grammar each.
        // hermes: standard output read by a hot loop, which hands anything else to the hermes grammar.
        registry.Register("hermes", static o => new HermesToolCallParser(o));
        MarkedJson(registry, "hermes_variants");
        MarkedJson(registry, "ernie45");
        MarkedJson(registry, "llama3_json");
        MarkedJson(registry, "gigachat3");
        MarkedJson(registry, "mistral");
        MarkedJson(registry, "mistral_pre_v11");
        MarkedJson(registry, "mistral_v11");
        MarkedJson(registry, "mistral_args");
        MarkedJson(registry, "kimi_k2");
        MarkedJson(registry, "deepseek_v3");
        MarkedJson(registry, "deepseek_r1");
        MarkedJson(registry, "deepseek_v31");
        MarkedJson(registry, "harmony");
        MarkedJson(registry, "hunyuan_a13b");
        MarkedJson(registry, "xlam");
        MarkedJson(registry, "granite");
        MarkedJson(registry, "granite_20b_fc");
        MarkedJson(registry, "command_r7b");
        MarkedJson(registry, "command_r_plus");
        MarkedJson(registry, "longcat");
        MarkedJson(registry, "phi4_mini_json");
        MarkedJson(registry, "firefunction_v2");
        MarkedJson(registry, "internlm");
        MarkedJson(registry, "minimax");
        MarkedJson(registry, "nemotron_v2");
        MarkedJson(registry, "apertus");
        MarkedJson(registry, "jamba");
        MarkedJson(registry, "apriel");
        MarkedJson(registry, "json_array");
        MarkedJson(registry, "functionary_v3_1");
        MarkedJson(registry, "functionary_v3_2");
        MarkedJson(registry, "step3");
        MarkedJson(registry, "minicpm5");

        // Open-model formats whose parameters are XML-like elements, typed from the tool schema (Xml/).
        registry.Register("qwen3_coder", static o => new Qwen3CoderToolCallParser(o));
        registry.Register("qwen3_xml", static o => new Qwen3XmlToolCallParser(o));
        registry.Register("step3p5", static o => new Step3p5ToolCallParser(o));
        registry.Register("seed_oss", static o => new SeedOssToolCallParser(o));
        registry.Register("glm45", static o => new Glm45ToolCallParser(o));
        registry.Register("glm47", static o => new Glm47ToolCallParser(o));
        registry.Register("minimax_m2", static o => new MiniMaxM2ToolCallParser(o));
        registry.Register("minimax_m3", static o => new MiniMaxM3ToolCallParser(o));
        registry.Register("gemma4", static o => new Gemma4ToolCallParser(o));
        registry.Register("deepseek_v32", static o => new DeepSeekV32ToolCallParser(o));
        registry.Register("deepseek_v4", static o => new DeepSeekV4ToolCallParser(o));

        // Open-model formats that write calls as Python-like expressions (Pythonic/), and LLMCompiler plans (LlmCompiler/).
        registry.Register("pythonic", static o => new PythonicToolCallParser(o));
        registry.Register("llama4_pythonic", static o => new Llama4PythonicToolCallParser(o));
        registry.Register("olmo3", static o => new Olmo3ToolCallParser(o));
        registry.Register("lfm2", static o => new Lfm2ToolCallParser(o));
        registry.Register("llmcompiler", static o => new LlmCompilerToolCallParser(o));
    }

    private static void MarkedJson(ToolCallFormatRegistry registry, string format) =>
        registry.Register(format, o => new MarkedJsonToolCallParser(format, o));
}
