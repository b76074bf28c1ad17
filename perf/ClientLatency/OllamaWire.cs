using System.Text.Json.Nodes;

namespace ToolFlow.ClientLatency;

/// <summary>
/// Ollama's <c>/api/chat</c> NDJSON: one JSON object a line. Ollama sends each call whole, in the chunk where its
/// arguments are complete, never as fragments; the last line has <c>done: true</c>.
/// </summary>
internal sealed class OllamaWire() : WireFormat("application/x-ndjson")
{
    public override IEnumerable<string> Write(ShapeEvent e) => e switch
    {
        ShapeEvent.CallClosed c => [Line(new JsonObject
        {
            ["role"] = "assistant",
            ["content"] = string.Empty,
            ["tool_calls"] = new JsonArray(new JsonObject
            {
                ["function"] = new JsonObject { ["name"] = "lookup", ["arguments"] = JsonNode.Parse(c.Arguments) },
            }),
        })],
        ShapeEvent.TextDelta t => [Line(new JsonObject { ["role"] = "assistant", ["content"] = t.Text })],
        ShapeEvent.Ended => [Line(new JsonObject { ["role"] = "assistant", ["content"] = string.Empty }, done: true)],
        _ => [],
    };

    private static string Line(JsonObject message, bool done = false)
    {
        var line = new JsonObject
        {
            ["model"] = "llama-shape",
            ["created_at"] = "2026-12-06T00:00:00Z",
            ["message"] = message,
            ["done"] = done,
        };
        if (done)
        {
            line["done_reason"] = "stop";
            line["prompt_eval_count"] = 50;
            line["eval_count"] = 120;
        }

        return line.ToJsonString() + "\n";
    }
}
