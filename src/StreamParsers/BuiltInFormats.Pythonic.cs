namespace ToolFlow.StreamParsers;

public sealed partial class ToolCallFormatRegistry
{
    static partial void RegisterPythonicFormats(ToolCallFormatRegistry registry)
    {
        registry.Register("pythonic", static o => new PythonicToolCallParser(o));
        registry.Register("llama4_pythonic", static o => new Llama4PythonicToolCallParser(o));
        registry.Register("olmo3", static o => new Olmo3ToolCallParser(o));
        registry.Register("lfm2", static o => new Lfm2ToolCallParser(o));
        registry.Register("llmcompiler", static o => new LlmCompilerToolCallParser(o));
    }
}
