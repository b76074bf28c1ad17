namespace ToolFlow.StreamParsers;

/// <summary>
/// The <see cref="ParserDiagnostic.Code"/> values that the provider stream formats (<c>openai-chat</c>,
/// <c>openai-responses</c>, <c>anthropic</c>, <c>gemini</c>, <c>ollama</c>, <c>cohere</c>, <c>mistral-chat</c>) report
/// besides those of <see cref="ParserDiagnosticCodes"/>.
/// </summary>
public static class ProviderStreamDiagnosticCodes
{
    /// <summary>An event's data is not valid JSON; the event is ignored.</summary>
    public const string EventInvalidJson = "event-invalid-json";

    /// <summary>An event's data is longer than the parser keeps (four times <see cref="ToolCallParserOptions.MaxArgumentsLength"/> plus 1 MiB); the event is ignored.</summary>
    public const string EventTooLong = "event-too-long";

    /// <summary>
    /// The body holds text that belongs to no event (a line that is neither an SSE field nor JSON, text after a JSON
    /// payload on its line); it is ignored, and only its first occurrence is reported.
    /// </summary>
    public const string UnexpectedText = "unexpected-text";

    /// <summary>The provider reported an error inside the stream.</summary>
    public const string ProviderError = "provider-error";

    /// <summary>
    /// The provider stopped the response for a reason other than a normal end (a token limit, a content filter, a
    /// refusal); calls whose arguments had not closed are aborted.
    /// </summary>
    public const string ResponseStopped = "response-stopped";

    /// <summary>The stream ended before the provider said the response was finished; calls still open are aborted.</summary>
    public const string StreamTruncated = "stream-truncated";

    /// <summary>
    /// The response holds a tool call that the provider runs itself (Anthropic <c>server_tool_use</c>, OpenAI hosted
    /// tools). It is reported for information and never as a call to run.
    /// </summary>
    public const string ProviderToolCall = "provider-tool-call";

    /// <summary>A tool-call fragment came after the provider finished the response; it is ignored.</summary>
    public const string CallAfterEnd = "call-after-end";

    /// <summary>The response holds more than one choice (or candidate); only the first is read.</summary>
    public const string ChoiceIgnored = "choice-ignored";
}
