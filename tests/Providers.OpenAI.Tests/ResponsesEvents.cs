using System.Text.Json.Nodes;

namespace ToolFlow.Providers.OpenAI.Tests;

/// <summary>
/// The events of one streamed Responses API answer in OpenAI's wire format (<c>event: NAME</c> then
/// <c>data: JSON</c>), numbered in order as the server numbers them. Items that are done are listed again in
/// <see cref="Completed"/>, as the server does.
/// </summary>
public sealed class ResponsesEvents
{
    private const string Model = "test-model";
    private readonly string _responseId;
    private readonly List<JsonObject> _output = [];
    private int _sequence;

    /// <summary>Initializes the events of one response.</summary>
    /// <param name="responseId">The response's id.</param>
    public ResponsesEvents(string responseId = "resp_toolflow_test")
    {
        _responseId = responseId;
    }

    /// <summary><c>response.created</c>.</summary>
    /// <returns>The event.</returns>
    public string Created() => Event("response.created", new JsonObject { ["response"] = Response("in_progress", []) });

    /// <summary><c>response.in_progress</c>.</summary>
    /// <returns>The event.</returns>
    public string InProgress() => Event("response.in_progress", new JsonObject { ["response"] = Response("in_progress", []) });

    /// <summary><c>response.output_item.added</c> with a function call whose arguments are still empty.</summary>
    /// <param name="outputIndex">The item's output index.</param>
    /// <param name="callId">The call id.</param>
    /// <param name="name">The function name.</param>
    /// <returns>The event.</returns>
    public string CallAdded(int outputIndex, string callId, string name) => Event("response.output_item.added", new JsonObject
    {
        ["output_index"] = outputIndex,
        ["item"] = FunctionCall(callId, name, string.Empty, "in_progress"),
    });

    /// <summary><c>response.function_call_arguments.delta</c>.</summary>
    /// <param name="outputIndex">The call's output index.</param>
    /// <param name="callId">The call id (the item id is derived from it).</param>
    /// <param name="delta">The piece of arguments JSON.</param>
    /// <returns>The event.</returns>
    public string ArgumentsDelta(int outputIndex, string callId, string delta) => Event("response.function_call_arguments.delta", new JsonObject
    {
        ["item_id"] = ItemId(callId),
        ["output_index"] = outputIndex,
        ["delta"] = delta,
    });

    /// <summary><c>response.function_call_arguments.done</c>.</summary>
    /// <param name="outputIndex">The call's output index.</param>
    /// <param name="callId">The call id.</param>
    /// <param name="arguments">The whole arguments JSON.</param>
    /// <returns>The event.</returns>
    public string ArgumentsDone(int outputIndex, string callId, string arguments) => Event("response.function_call_arguments.done", new JsonObject
    {
        ["item_id"] = ItemId(callId),
        ["output_index"] = outputIndex,
        ["arguments"] = arguments,
    });

    /// <summary><c>response.output_item.done</c> with the whole function call.</summary>
    /// <param name="outputIndex">The item's output index.</param>
    /// <param name="callId">The call id.</param>
    /// <param name="name">The function name.</param>
    /// <param name="arguments">The whole arguments JSON.</param>
    /// <returns>The event.</returns>
    public string CallDone(int outputIndex, string callId, string name, string arguments)
    {
        _output.Add(FunctionCall(callId, name, arguments, "completed"));
        return Event("response.output_item.done", new JsonObject
        {
            ["output_index"] = outputIndex,
            ["item"] = FunctionCall(callId, name, arguments, "completed"),
        });
    }

    /// <summary>The events of a function call streamed in pieces: added, one delta per piece, done, item done.</summary>
    /// <param name="outputIndex">The item's output index.</param>
    /// <param name="callId">The call id.</param>
    /// <param name="name">The function name.</param>
    /// <param name="pieces">The arguments JSON in pieces.</param>
    /// <returns>The events.</returns>
    public string[] Call(int outputIndex, string callId, string name, params string[] pieces) =>
    [
        CallAdded(outputIndex, callId, name),
        .. pieces.Select(p => ArgumentsDelta(outputIndex, callId, p)),
        ArgumentsDone(outputIndex, callId, string.Concat(pieces)),
        CallDone(outputIndex, callId, name, string.Concat(pieces)),
    ];

    /// <summary><c>response.output_item.added</c> with an assistant message, then <c>response.content_part.added</c>.</summary>
    /// <param name="outputIndex">The item's output index.</param>
    /// <param name="messageId">The message item's id.</param>
    /// <returns>The events.</returns>
    public string[] MessageAdded(int outputIndex, string messageId) =>
    [
        Event("response.output_item.added", new JsonObject { ["output_index"] = outputIndex, ["item"] = Message(messageId, null, "in_progress") }),
        Event("response.content_part.added", new JsonObject
        {
            ["item_id"] = messageId,
            ["output_index"] = outputIndex,
            ["content_index"] = 0,
            ["part"] = OutputText(string.Empty),
        }),
    ];

    /// <summary><c>response.output_text.delta</c>.</summary>
    /// <param name="outputIndex">The message's output index.</param>
    /// <param name="messageId">The message item's id.</param>
    /// <param name="delta">The text.</param>
    /// <returns>The event.</returns>
    public string TextDelta(int outputIndex, string messageId, string delta) => Event("response.output_text.delta", new JsonObject
    {
        ["item_id"] = messageId,
        ["output_index"] = outputIndex,
        ["content_index"] = 0,
        ["delta"] = delta,
        ["logprobs"] = new JsonArray(),
    });

    /// <summary><c>response.output_text.done</c>, <c>response.content_part.done</c> and <c>response.output_item.done</c> of a message.</summary>
    /// <param name="outputIndex">The message's output index.</param>
    /// <param name="messageId">The message item's id.</param>
    /// <param name="text">The whole text.</param>
    /// <returns>The events.</returns>
    public string[] MessageDone(int outputIndex, string messageId, string text)
    {
        _output.Add(Message(messageId, text, "completed"));
        return
        [
            Event("response.output_text.done", new JsonObject
            {
                ["item_id"] = messageId,
                ["output_index"] = outputIndex,
                ["content_index"] = 0,
                ["text"] = text,
                ["logprobs"] = new JsonArray(),
            }),
            Event("response.content_part.done", new JsonObject
            {
                ["item_id"] = messageId,
                ["output_index"] = outputIndex,
                ["content_index"] = 0,
                ["part"] = OutputText(text),
            }),
            Event("response.output_item.done", new JsonObject { ["output_index"] = outputIndex, ["item"] = Message(messageId, text, "completed") }),
        ];
    }

    /// <summary><c>response.completed</c>, with every item that is done and the usage.</summary>
    /// <returns>The event.</returns>
    public string Completed() => Event("response.completed", new JsonObject
    {
        ["response"] = Response("completed", [.. _output.Select(o => o.DeepClone())], new JsonObject
        {
            ["input_tokens"] = 20,
            ["input_tokens_details"] = new JsonObject { ["cached_tokens"] = 0 },
            ["output_tokens"] = 10,
            ["output_tokens_details"] = new JsonObject { ["reasoning_tokens"] = 0 },
            ["total_tokens"] = 30,
        }),
    });

    /// <summary>A whole answer of text only: created, the message in one delta, completed.</summary>
    /// <param name="text">The answer.</param>
    /// <returns>The events.</returns>
    public string[] Answer(string text) =>
    [
        Created(),
        .. MessageAdded(0, "msg_answer"),
        TextDelta(0, "msg_answer", text),
        .. MessageDone(0, "msg_answer", text),
        Completed(),
    ];

    private static string ItemId(string callId) => "fc_" + callId;

    private static JsonObject FunctionCall(string callId, string name, string arguments, string status) => new()
    {
        ["id"] = ItemId(callId),
        ["type"] = "function_call",
        ["status"] = status,
        ["arguments"] = arguments,
        ["call_id"] = callId,
        ["name"] = name,
    };

    private static JsonObject Message(string id, string? text, string status) => new()
    {
        ["id"] = id,
        ["type"] = "message",
        ["status"] = status,
        ["content"] = text is null ? new JsonArray() : new JsonArray(OutputText(text)),
        ["role"] = "assistant",
    };

    private static JsonObject OutputText(string text) => new()
    {
        ["type"] = "output_text",
        ["annotations"] = new JsonArray(),
        ["logprobs"] = new JsonArray(),
        ["text"] = text,
    };

    private JsonObject Response(string status, JsonNode?[] output, JsonObject? usage = null) => new()
    {
        ["id"] = _responseId,
        ["object"] = "response",
        ["created_at"] = 1_700_000_000,
        ["status"] = status,
        ["error"] = null,
        ["incomplete_details"] = null,
        ["model"] = Model,
        ["output"] = new JsonArray(output),
        ["parallel_tool_calls"] = true,
        ["store"] = true,
        ["tool_choice"] = "auto",
        ["tools"] = new JsonArray(),
        ["usage"] = usage,
    };

    private string Event(string type, JsonObject body)
    {
        var data = new JsonObject { ["type"] = type, ["sequence_number"] = _sequence++ };
        foreach (KeyValuePair<string, JsonNode?> property in body)
        {
            data[property.Key] = property.Value?.DeepClone();
        }

        return $"event: {type}\ndata: {data.ToJsonString()}\n\n";
    }
}
