using System.Text.Json;
using System.Text.Json.Nodes;

namespace ToolFlow.ClientLatency;

/// <summary>
/// Anthropic Messages SSE (<c>/v1/messages</c>): one content block at a time; a <c>tool_use</c> block streams its
/// arguments as <c>input_json_delta</c> and stops right after the last fragment, as the API does.
/// </summary>
internal sealed class AnthropicWire() : WireFormat("text/event-stream")
{
    private int _blocks;
    private int? _textBlock;

    public override bool IsAnswerRequest(JsonElement request) => AnyMessage(
        request,
        m => m.GetProperty("content") is { ValueKind: JsonValueKind.Array } content
            && content.EnumerateArray().Any(b => b.TryGetProperty("type", out JsonElement t) && t.GetString() == "tool_result"));

    public override IEnumerable<string> Write(ShapeEvent e)
    {
        switch (e)
        {
            case ShapeEvent.Started:
                yield return Event("message_start", new JsonObject
                {
                    ["message"] = new JsonObject
                    {
                        ["id"] = "msg_1",
                        ["type"] = "message",
                        ["role"] = "assistant",
                        ["content"] = new JsonArray(),
                        ["model"] = "claude-shape",
                        ["stop_reason"] = null,
                        ["stop_sequence"] = null,
                        ["usage"] = new JsonObject { ["input_tokens"] = 50, ["output_tokens"] = 1 },
                    },
                });
                break;
            case ShapeEvent.CallOpened c:
                yield return Event("content_block_start", new JsonObject
                {
                    ["index"] = _blocks,
                    ["content_block"] = new JsonObject { ["type"] = "tool_use", ["id"] = $"toolu_{c.Index}", ["name"] = "lookup", ["input"] = new JsonObject() },
                });
                break;
            case ShapeEvent.ArgumentsDelta d:
                yield return Event("content_block_delta", new JsonObject
                {
                    ["index"] = _blocks,
                    ["delta"] = new JsonObject { ["type"] = "input_json_delta", ["partial_json"] = d.Fragment },
                });
                break;
            case ShapeEvent.CallClosed:
                yield return Event("content_block_stop", new JsonObject { ["index"] = _blocks++ });
                break;
            case ShapeEvent.TextDelta t:
                if (_textBlock is null)
                {
                    _textBlock = _blocks;
                    yield return Event("content_block_start", new JsonObject
                    {
                        ["index"] = _textBlock,
                        ["content_block"] = new JsonObject { ["type"] = "text", ["text"] = string.Empty },
                    });
                }

                yield return Event("content_block_delta", new JsonObject
                {
                    ["index"] = _textBlock,
                    ["delta"] = new JsonObject { ["type"] = "text_delta", ["text"] = t.Text },
                });
                break;
            case ShapeEvent.Ended end:
                if (_textBlock is { } text)
                {
                    yield return Event("content_block_stop", new JsonObject { ["index"] = text });
                }

                yield return Event("message_delta", new JsonObject
                {
                    ["delta"] = new JsonObject { ["stop_reason"] = end.ToolCalls ? "tool_use" : "end_turn", ["stop_sequence"] = null },
                    ["usage"] = new JsonObject { ["output_tokens"] = 120 },
                });
                yield return Event("message_stop", []);
                break;
        }
    }

    private static string Event(string type, JsonObject body)
    {
        var data = new JsonObject { ["type"] = type };
        foreach ((string key, JsonNode? value) in body)
        {
            data[key] = value?.DeepClone();
        }

        return $"event: {type}\ndata: {data.ToJsonString()}\n\n";
    }
}
