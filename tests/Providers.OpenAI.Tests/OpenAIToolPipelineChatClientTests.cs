using Microsoft.Extensions.AI;
using ToolFlow.Pipeline;

namespace ToolFlow.Providers.OpenAI.Tests;

/// <summary>The OpenAI client behind ToolFlow's <see cref="IChatClient"/> adapter, over real HTTP.</summary>
public sealed class OpenAIToolPipelineChatClientTests
{
    [Fact]
    public Task GetResponseAsync_ToolTurnThenAnswer_ReturnsTheFinalTextAndEveryAddedMessage() => TestGuard.RunAsync(async ct =>
    {
        await using OpenAITestServer server = await OpenAITestServer.StartAsync(ct);
        server.Enqueue(SseHttpResponse.Of(
            Chunks.Role(),
            Chunks.CallStart(0, "call_1", "get_weather", "{\"city\":"),
            Chunks.CallArguments(0, " \"Oslo\"}"),
            Chunks.Finish("tool_calls"),
            Chunks.Usage(20, 10)));
        SseHttpResponse second = server.Enqueue(SseHttpResponse.Of(Chunks.Answer("12 C in Oslo.")));
        using IChatClient client = OpenAIChatClientTests.Client(server).AsToolPipelineClient();
        AIFunction weather = AIFunctionFactory.Create((string city) => $"12 C in {city}", "get_weather");

        ChatResponse response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Weather in Oslo?")], new ChatOptions { Tools = [weather] }, ct);

        Assert.Equal("12 C in Oslo.", response.Text);
        Assert.Equal([ChatRole.Assistant, ChatRole.Tool, ChatRole.Assistant], response.Messages.Select(m => m.Role));
        Assert.Equal("call_1", Assert.Single(response.Messages[0].Contents.OfType<FunctionCallContent>()).CallId);
        Assert.Equal("12 C in Oslo", Assert.Single(response.Messages[1].Contents.OfType<FunctionResultContent>()).Result?.ToString());
        Assert.Equal(30 + 15, response.Usage?.TotalTokenCount);
        Assert.Equal("12 C in Oslo", (await second.Received).Messages[^1].GetProperty("content").GetString());
    });
}
