using System.Text.Json;

namespace ToolFlow.Providers.Anthropic.Tests;

/// <summary>
/// Server-sent events of the Messages API's streaming format, as its documentation shows them: each an
/// <c>event:</c> line naming the type and a <c>data:</c> line with the JSON, then a blank line.
/// </summary>
public static class AnthropicEvents
{
    /// <summary><c>message_start</c>, with an empty assistant message.</summary>
    public static string MessageStart(string id = "msg_01") =>
        Event("message_start", $$$$"""{"type":"message_start","message":{"id":"{{{{id}}}}","type":"message","role":"assistant","content":[],"model":"claude-test","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"output_tokens":1}}}""");

    /// <summary><c>ping</c>, which the API sends at any point.</summary>
    public static string Ping() => Event("ping", """{"type": "ping"}""");

    /// <summary><c>content_block_start</c> of a text block.</summary>
    public static string TextStart(int index) =>
        Event("content_block_start", $$$$"""{"type":"content_block_start","index":{{{{index}}}},"content_block":{"type":"text","text":""}}""");

    /// <summary><c>content_block_delta</c> with a <c>text_delta</c>.</summary>
    public static string Text(int index, string text) =>
        Event("content_block_delta", $$$$"""{"type":"content_block_delta","index":{{{{index}}}},"delta":{"type":"text_delta","text":{{{{Json(text)}}}}}}""");

    /// <summary><c>content_block_start</c> of a <c>thinking</c> block (extended thinking).</summary>
    public static string ThinkingStart(int index) =>
        Event("content_block_start", $$$$"""{"type":"content_block_start","index":{{{{index}}}},"content_block":{"type":"thinking","thinking":"","signature":""}}""");

    /// <summary><c>content_block_delta</c> with a <c>thinking_delta</c>.</summary>
    public static string Thinking(int index, string thinking) =>
        Event("content_block_delta", $$$$"""{"type":"content_block_delta","index":{{{{index}}}},"delta":{"type":"thinking_delta","thinking":{{{{Json(thinking)}}}}}}""");

    /// <summary><c>content_block_delta</c> with the <c>signature_delta</c> that ends a thinking block.</summary>
    public static string Signature(int index) =>
        Event("content_block_delta", $$$$"""{"type":"content_block_delta","index":{{{{index}}}},"delta":{"type":"signature_delta","signature":"EqQBCgIYAhIM"}}""");

    /// <summary><c>content_block_start</c> of a <c>tool_use</c> block, whose input always starts empty.</summary>
    public static string ToolUseStart(int index, string id, string name) =>
        Event("content_block_start", $$$$"""{"type":"content_block_start","index":{{{{index}}}},"content_block":{"type":"tool_use","id":"{{{{id}}}}","name":"{{{{name}}}}","input":{}}}""");

    /// <summary><c>content_block_start</c> of a <c>server_tool_use</c> block: a tool Anthropic runs itself.</summary>
    public static string ServerToolUseStart(int index, string id, string name) =>
        Event("content_block_start", $$$$"""{"type":"content_block_start","index":{{{{index}}}},"content_block":{"type":"server_tool_use","id":"{{{{id}}}}","name":"{{{{name}}}}","input":{}}}""");

    /// <summary><c>content_block_delta</c> with an <c>input_json_delta</c>.</summary>
    public static string InputJson(int index, string partialJson) =>
        Event("content_block_delta", $$$$"""{"type":"content_block_delta","index":{{{{index}}}},"delta":{"type":"input_json_delta","partial_json":{{{{Json(partialJson)}}}}}}""");

    /// <summary><c>content_block_stop</c>.</summary>
    public static string BlockStop(int index) =>
        Event("content_block_stop", $$$$"""{"type":"content_block_stop","index":{{{{index}}}}}""");

    /// <summary><c>message_delta</c> with the stop reason and the output tokens.</summary>
    public static string MessageDelta(string stopReason) =>
        Event("message_delta", $$$$"""{"type":"message_delta","delta":{"stop_reason":"{{{{stopReason}}}}","stop_sequence":null},"usage":{"output_tokens":42}}""");

    /// <summary><c>message_stop</c>.</summary>
    public static string MessageStop() => Event("message_stop", """{"type":"message_stop"}""");

    /// <summary>An <c>error</c> event, which the API may send mid-stream (for instance when it is overloaded).</summary>
    public static string Error(string type, string message) =>
        Event("error", $$$$"""{"type":"error","error":{"type":"{{{{type}}}}","message":{{{{Json(message)}}}}}}""");

    /// <summary>A whole text answer: one text block, <c>end_turn</c>.</summary>
    public static SseHttpResponse Answer(string text) =>
        new SseHttpResponse()
            .Raw(MessageStart("msg_answer"))
            .Raw(TextStart(0))
            .Raw(Text(0, text))
            .Raw(BlockStop(0))
            .Raw(MessageDelta("end_turn"))
            .Raw(MessageStop());

    private static string Event(string type, string json) => $"event: {type}\ndata: {json}\n\n";

    private static string Json(string text) => JsonSerializer.Serialize(text);
}
