namespace ToolFlow.StreamParsers;

/// <content>The provider stream formats: raw response bodies as providers stream them over HTTP.</content>
public sealed partial class ToolCallFormatRegistry
{
    static partial void RegisterProviderFormats(ToolCallFormatRegistry registry)
    {
        registry.Register("openai-chat", static o => new OpenAIChatStreamParser(o));
        registry.Register("mistral-chat", static o => new OpenAIChatStreamParser("mistral-chat", o));
        registry.Register("openai-responses", static o => new OpenAIResponsesStreamParser(o));
        registry.Register("anthropic", static o => new AnthropicStreamParser(o));
        registry.Register("gemini", static o => new GeminiStreamParser(o));
        registry.Register("ollama", static o => new OllamaStreamParser(o));
        registry.Register("cohere", static o => new CohereStreamParser(o));
    }
}
