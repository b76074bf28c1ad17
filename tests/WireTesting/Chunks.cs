using System.Text.Json;
using System.Text.Json.Nodes;

namespace ToolFlow.WireTesting;

/// <summary>Chat-completion chunks in OpenAI's wire format, as a server streams them.</summary>
public static class Chunks
{
    private const string Id = "chatcmpl-toolflow-test";
    private const string Model = "test-model";

    /// <summary>The first chunk: the assistant role and no content.</summary>
    /// <returns>The chunk's JSON.</returns>
    public static string Role() => Chunk(new JsonObject { ["role"] = "assistant", ["content"] = null });

    /// <summary>A text delta.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The chunk's JSON.</returns>
    public static string Text(string text) => Chunk(new JsonObject { ["content"] = text });

    /// <summary>A reasoning delta, as DeepSeek, vLLM and llama.cpp send it.</summary>
    /// <param name="text">The reasoning.</param>
    /// <param name="field">The field name: <c>reasoning_content</c> or <c>reasoning</c>.</param>
    /// <returns>The chunk's JSON.</returns>
    public static string Reasoning(string text, string field = "reasoning_content") => Chunk(new JsonObject { [field] = text });

    /// <summary>The first fragment of a tool call: its index, id and name, and a first piece of arguments.</summary>
    /// <param name="index">The call index.</param>
    /// <param name="id">The call id.</param>
    /// <param name="name">The tool name.</param>
    /// <param name="arguments">The first arguments fragment.</param>
    /// <returns>The chunk's JSON.</returns>
    public static string CallStart(int index, string id, string name, string arguments = "") => Chunk(new JsonObject
    {
        ["tool_calls"] = new JsonArray(new JsonObject
        {
            ["index"] = index,
            ["id"] = id,
            ["type"] = "function",
            ["function"] = new JsonObject { ["name"] = name, ["arguments"] = arguments },
        }),
    });

    /// <summary>A later fragment of a tool call's arguments.</summary>
    /// <param name="index">The call index.</param>
    /// <param name="fragment">The piece of arguments JSON.</param>
    /// <returns>The chunk's JSON.</returns>
    public static string CallArguments(int index, string fragment) => Chunk(new JsonObject
    {
        ["tool_calls"] = new JsonArray(new JsonObject
        {
            ["index"] = index,
            ["function"] = new JsonObject { ["arguments"] = fragment },
        }),
    });

    /// <summary>The chunk that ends the choice.</summary>
    /// <param name="reason">The finish reason: <c>stop</c>, <c>tool_calls</c>, <c>length</c>.</param>
    /// <returns>The chunk's JSON.</returns>
    public static string Finish(string reason) => Chunk(new JsonObject(), reason);

    /// <summary>The usage chunk that follows the finish when <c>stream_options.include_usage</c> is set.</summary>
    /// <param name="prompt">Prompt tokens.</param>
    /// <param name="completion">Completion tokens.</param>
    /// <returns>The chunk's JSON.</returns>
    public static string Usage(int prompt, int completion) => new JsonObject
    {
        ["id"] = Id,
        ["object"] = "chat.completion.chunk",
        ["created"] = 1_700_000_000,
        ["model"] = Model,
        ["choices"] = new JsonArray(),
        ["usage"] = new JsonObject { ["prompt_tokens"] = prompt, ["completion_tokens"] = completion, ["total_tokens"] = prompt + completion },
    }.ToJsonString();

    /// <summary>The error event a server (vLLM, OpenAI) writes when it fails after the stream began.</summary>
    /// <param name="message">The error message.</param>
    /// <param name="type">The error type.</param>
    /// <param name="code">The error code.</param>
    /// <returns>The event's JSON.</returns>
    public static string Error(string message, string type = "server_error", int code = 500) =>
        JsonSerializer.Serialize(new { error = new { message, type, code } });

    /// <summary>A whole turn that answers with text only.</summary>
    /// <param name="text">The answer.</param>
    /// <returns>The chunks.</returns>
    public static string[] Answer(string text) => [Role(), Text(text), Finish("stop"), Usage(10, 5)];

    private static string Chunk(JsonObject delta, string? finishReason = null) => new JsonObject
    {
        ["id"] = Id,
        ["object"] = "chat.completion.chunk",
        ["created"] = 1_700_000_000,
        ["model"] = Model,
        ["choices"] = new JsonArray(new JsonObject
        {
            ["index"] = 0,
            ["delta"] = delta,
            ["finish_reason"] = finishReason,
        }),
    }.ToJsonString();
}
