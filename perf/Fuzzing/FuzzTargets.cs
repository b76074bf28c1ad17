namespace ToolFlow.Fuzzing;

/// <summary>The fuzz targets, one per parser family, and the SSE framer.</summary>
internal static class FuzzTargets
{
    public static readonly string[] Names = ["hermes", "marked-json", "xml", "pythonic", "llmcompiler", "bodies", "sse-framer"];

    public static IReadOnlyList<string> Formats(string target) => target switch
    {
        "hermes" => ["hermes", "hermes_variants"],
        "marked-json" =>
        [
            "ernie45", "llama3_json", "gigachat3", "mistral", "mistral_pre_v11", "mistral_v11", "mistral_args", "kimi_k2",
            "deepseek_v3", "deepseek_r1", "deepseek_v31", "harmony", "hunyuan_a13b", "xlam", "granite", "granite_20b_fc",
            "command_r7b", "command_r_plus", "longcat", "phi4_mini_json", "firefunction_v2", "internlm", "minimax",
            "nemotron_v2", "apertus", "jamba", "apriel", "json_array", "functionary_v3_1", "functionary_v3_2", "step3",
            "minicpm5",
        ],
        "xml" =>
        [
            "qwen3_coder", "qwen3_xml", "step3p5", "seed_oss", "glm45", "glm47", "minimax_m2", "minimax_m3", "gemma4",
            "deepseek_v32", "deepseek_v4",
        ],
        "pythonic" => ["pythonic", "llama4_pythonic", "olmo3", "lfm2"],
        "llmcompiler" => ["llmcompiler"],
        "bodies" => ["openai-chat", "mistral-chat", "openai-responses", "anthropic", "gemini", "ollama", "cohere"],
        "sse-framer" => ["sse"],
        _ => throw new ArgumentException($"There is no fuzz target named '{target}'. The targets are: {string.Join(", ", Names)}.", nameof(target)),
    };

    public static Action<FuzzInput> Create(string target)
    {
        if (target == "sse-framer")
        {
            return FramerTarget.Run;
        }

        var parser = new ParserTarget(target, Formats(target), useSchemas: target == "xml");
        return parser.Run;
    }
}
