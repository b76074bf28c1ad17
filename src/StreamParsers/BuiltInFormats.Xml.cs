namespace ToolFlow.StreamParsers;

public sealed partial class ToolCallFormatRegistry
{
    static partial void RegisterXmlFormats(ToolCallFormatRegistry registry)
    {
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
    }
}
