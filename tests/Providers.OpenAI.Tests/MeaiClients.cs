using System.ClientModel;
using System.Text.Json;
using Microsoft.Extensions.AI;
using OpenAI;

namespace ToolFlow.Providers.OpenAI.Tests;

/// <summary>
/// <c>Microsoft.Extensions.AI.OpenAI</c>'s clients, as users build them, pointed at the test server, and checks of
/// what they send back.
/// </summary>
public static class MeaiClients
{
    /// <summary>The model name the clients ask for.</summary>
    public const string Model = "m";

    /// <summary><c>openAIClient.GetChatClient(model).AsIChatClient()</c>.</summary>
    /// <param name="server">The server.</param>
    /// <returns>The client.</returns>
    public static IChatClient Chat(OpenAITestServer server) => OpenAI(server).GetChatClient(Model).AsIChatClient();

    /// <summary><c>openAIClient.GetResponsesClient().AsIChatClient(model)</c>.</summary>
    /// <param name="server">The server.</param>
    /// <returns>The client.</returns>
#pragma warning disable OPENAI001 // The Responses client is an evaluation API of the SDK.
    public static IChatClient Responses(OpenAITestServer server) => OpenAI(server).GetResponsesClient().AsIChatClient(Model);
#pragma warning restore OPENAI001

    /// <summary>Asserts a chat-completions request carries each call once, in the assistant's message, and each result once.</summary>
    /// <param name="request">The request.</param>
    /// <param name="callIds">The call ids, in order.</param>
    public static void AssertChatHistory(RecordedRequest request, string[] callIds)
    {
        JsonElement[] messages = request.Messages;
        Assert.Equal(["user", "assistant", .. callIds.Select(_ => "tool")], messages.Select(m => m.GetProperty("role").GetString()));
        Assert.Equal(callIds, messages[1].GetProperty("tool_calls").EnumerateArray().Select(c => c.GetProperty("id").GetString()));
        Assert.Equal(callIds, messages.Skip(2).Select(m => m.GetProperty("tool_call_id").GetString()));
    }

    /// <summary>Asserts a Responses request carries each call once, as a function-call item, and each result once.</summary>
    /// <param name="request">The request.</param>
    /// <param name="callIds">The call ids, in order.</param>
    public static void AssertResponsesHistory(RecordedRequest request, string[] callIds)
    {
        JsonElement[] input = request.Input;
        Assert.Equal(callIds, OfType(input, "function_call").Select(i => i.GetProperty("call_id").GetString()));
        Assert.Equal(callIds, OfType(input, "function_call_output").Select(i => i.GetProperty("call_id").GetString()));
        Assert.Equal(
            callIds.Select(id => $"\"found {id["call_".Length..]}\""),
            OfType(input, "function_call_output").Select(i => i.GetProperty("output").GetString()));
    }

    /// <summary>Asserts a Responses request carries each call once and a result for each, whatever the result says.</summary>
    /// <param name="request">The request.</param>
    /// <param name="callIds">The call ids, in order.</param>
    public static void AssertCallsSentBack(RecordedRequest request, string[] callIds)
    {
        Assert.Equal(callIds, OfType(request.Input, "function_call").Select(i => i.GetProperty("call_id").GetString()));
        Assert.Equal(callIds, OfType(request.Input, "function_call_output").Select(i => i.GetProperty("call_id").GetString()));
    }

    private static IEnumerable<JsonElement> OfType(JsonElement[] items, string type) =>
        items.Where(i => i.TryGetProperty("type", out JsonElement t) && t.GetString() == type);

    private static OpenAIClient OpenAI(OpenAITestServer server) =>
        new(new ApiKeyCredential("k"), new OpenAIClientOptions { Endpoint = server.Endpoint });
}
