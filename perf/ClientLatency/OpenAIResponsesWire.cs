using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ToolFlow.ClientLatency;

/// <summary>
/// OpenAI Responses SSE (<c>/v1/responses</c>): numbered <c>response.*</c> events. As OpenAI does, a call's
/// <c>function_call_arguments.done</c> and <c>output_item.done</c> follow its last arguments delta at once.
/// </summary>
internal sealed class OpenAIResponsesWire() : WireFormat("text/event-stream")
{
    private const string MessageId = "msg_1";
    private readonly List<JsonNode> _output = [];
    private readonly StringBuilder _text = new();
    private int _sequence;
    private int? _messageIndex;

    public override bool IsAnswerRequest(JsonElement request) =>
        request.GetProperty("input").EnumerateArray().Any(i => i.TryGetProperty("type", out JsonElement t) && t.GetString() == "function_call_output");

    public override IEnumerable<string> Write(ShapeEvent e)
    {
        switch (e)
        {
            case ShapeEvent.Started:
                yield return Event("response.created", new JsonObject { ["response"] = Response("in_progress") });
                break;
            case ShapeEvent.CallOpened c:
                yield return Event("response.output_item.added", new JsonObject { ["output_index"] = _output.Count, ["item"] = Call(c.Index, string.Empty, "in_progress") });
                break;
            case ShapeEvent.ArgumentsDelta d:
                yield return Event("response.function_call_arguments.delta", new JsonObject { ["item_id"] = $"fc_{d.Index}", ["output_index"] = _output.Count, ["delta"] = d.Fragment });
                break;
            case ShapeEvent.CallClosed c:
                yield return Event("response.function_call_arguments.done", new JsonObject { ["item_id"] = $"fc_{c.Index}", ["output_index"] = _output.Count, ["arguments"] = c.Arguments });
                yield return Event("response.output_item.done", new JsonObject { ["output_index"] = _output.Count, ["item"] = Call(c.Index, c.Arguments, "completed") });
                _output.Add(Call(c.Index, c.Arguments, "completed"));
                break;
            case ShapeEvent.TextDelta t:
                if (_messageIndex is null)
                {
                    _messageIndex = _output.Count;
                    yield return Event("response.output_item.added", new JsonObject { ["output_index"] = _messageIndex, ["item"] = Message(null, "in_progress") });
                }

                _text.Append(t.Text);
                yield return Event("response.output_text.delta", new JsonObject
                {
                    ["item_id"] = MessageId,
                    ["output_index"] = _messageIndex,
                    ["content_index"] = 0,
                    ["delta"] = t.Text,
                    ["logprobs"] = new JsonArray(),
                });
                break;
            case ShapeEvent.Ended:
                if (_messageIndex is { } index)
                {
                    yield return Event("response.output_item.done", new JsonObject { ["output_index"] = index, ["item"] = Message(_text.ToString(), "completed") });
                    _output.Add(Message(_text.ToString(), "completed"));
                }

                yield return Event("response.completed", new JsonObject { ["response"] = Response("completed") });
                break;
        }
    }

    private static JsonObject Call(int k, string arguments, string status) => new()
    {
        ["id"] = $"fc_{k}",
        ["type"] = "function_call",
        ["status"] = status,
        ["arguments"] = arguments,
        ["call_id"] = $"call_{k}",
        ["name"] = "lookup",
    };

    private static JsonObject Message(string? text, string status) => new()
    {
        ["id"] = MessageId,
        ["type"] = "message",
        ["status"] = status,
        ["role"] = "assistant",
        ["content"] = text is null
            ? new JsonArray()
            : new JsonArray(new JsonObject { ["type"] = "output_text", ["text"] = text, ["annotations"] = new JsonArray(), ["logprobs"] = new JsonArray() }),
    };

    private JsonObject Response(string status) => new()
    {
        ["id"] = "resp_shape",
        ["object"] = "response",
        ["created_at"] = 1_700_000_000,
        ["status"] = status,
        ["model"] = "m",
        ["output"] = new JsonArray([.. _output.Select(o => o.DeepClone())]),
        ["parallel_tool_calls"] = true,
        ["store"] = true,
        ["tool_choice"] = "auto",
        ["tools"] = new JsonArray(),
        ["usage"] = status == "completed" ? new JsonObject { ["input_tokens"] = 20, ["output_tokens"] = 10, ["total_tokens"] = 30 } : null,
    };

    private string Event(string type, JsonObject body)
    {
        var data = new JsonObject { ["type"] = type, ["sequence_number"] = _sequence++ };
        foreach ((string key, JsonNode? value) in body)
        {
            data[key] = value?.DeepClone();
        }

        return $"event: {type}\ndata: {data.ToJsonString()}\n\n";
    }
}
