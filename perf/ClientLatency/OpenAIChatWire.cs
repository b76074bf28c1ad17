using System.Text.Json.Nodes;

namespace ToolFlow.ClientLatency;

/// <summary>OpenAI chat completions SSE (<c>/v1/chat/completions</c>): <c>chat.completion.chunk</c> deltas, then <c>[DONE]</c>.</summary>
internal sealed class OpenAIChatWire() : WireFormat("text/event-stream")
{
    public override IEnumerable<string> Write(ShapeEvent e) => e switch
    {
        ShapeEvent.Started => [Chunk(new JsonObject { ["role"] = "assistant", ["content"] = null })],
        ShapeEvent.CallOpened c => [ToolCall(new JsonObject
        {
            ["index"] = c.Index,
            ["id"] = $"call_{c.Index}",
            ["type"] = "function",
            ["function"] = new JsonObject { ["name"] = "lookup", ["arguments"] = string.Empty },
        })],
        ShapeEvent.ArgumentsDelta d => [ToolCall(new JsonObject { ["index"] = d.Index, ["function"] = new JsonObject { ["arguments"] = d.Fragment } })],
        ShapeEvent.TextDelta t => [Chunk(new JsonObject { ["content"] = t.Text })],
        ShapeEvent.Ended end => [Chunk(new JsonObject(), end.ToolCalls ? "tool_calls" : "stop"), "data: [DONE]\n\n"],
        _ => [],
    };

    private static string ToolCall(JsonObject call) => Chunk(new JsonObject { ["tool_calls"] = new JsonArray(call) });

    private static string Chunk(JsonObject delta, string? finishReason = null) => "data: " + new JsonObject
    {
        ["id"] = "chatcmpl-shape",
        ["object"] = "chat.completion.chunk",
        ["created"] = 1_700_000_000,
        ["model"] = "m",
        ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finishReason }),
    }.ToJsonString() + "\n\n";
}
