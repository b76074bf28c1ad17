using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;
using OpenAIChat = OpenAI.Chat;

namespace ToolFlow.Providers.OpenAI.Tests;

/// <summary>The OpenAI-compatible client against a real HTTP server on 127.0.0.1, with the official SDK in between.</summary>
public sealed class OpenAIChatClientTests
{
    internal static OpenAIChatClient Client(OpenAITestServer server, string? apiKey = null, int maxRetries = 0) => new(new OpenAIChatClientOptions
    {
        Endpoint = server.Endpoint,
        Model = "test-model",
        ApiKey = apiKey,
        MaxRetries = maxRetries,
    });

    internal static async Task<List<ChatResponseUpdate>> CollectAsync(IChatClient client, IEnumerable<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        var updates = new List<ChatResponseUpdate>();
        await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync(messages, options, cancellationToken))
        {
            updates.Add(update);
        }

        return updates;
    }

    private static List<ChatMessage> Ask(string text) => [new(ChatRole.User, text)];

    public static TheoryData<string, int?> ReplayCases()
    {
        var data = new TheoryData<string, int?>();
        foreach (string name in RecordedStreams.All.Keys)
        {
            data.Add(name, null);
            data.Add(name, 7);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ReplayCases))]
    public Task GetStreamingResponseAsync_RecordedStream_SurfacesEveryToolCallFragmentAsItArrives(string fileName, int? pieceSize) => TestGuard.RunAsync(async ct =>
    {
        RecordedStream expected = RecordedStreams.All[fileName];
        string body = RecordedStreams.Body(fileName);
        await using OpenAITestServer server = await OpenAITestServer.StartAsync(ct);
        server.Enqueue(SseHttpResponse.Replay(body, pieceSize));
        using OpenAIChatClient client = Client(server);

        List<ChatResponseUpdate> updates = await CollectAsync(client, Ask("go"), null, ct);

        // One update per chunk, each carrying the SDK's update.
        int chunks = SseHttpResponse.SplitEvents(body).Count(e => !e.Contains("[DONE]", StringComparison.Ordinal));
        Assert.Equal(chunks, updates.Count);
        Assert.All(updates, u => Assert.IsType<OpenAIChat.StreamingChatCompletionUpdate>(u.RawRepresentation));

        // One fragment per tool_calls item of the wire, in wire order: nothing buffered, nothing merged.
        ToolCallUpdateContent[] fragments = [.. updates.SelectMany(u => u.Contents.OfType<ToolCallUpdateContent>())];
        int items = 0;
        foreach (string sseEvent in SseHttpResponse.SplitEvents(body).Where(e => !e.Contains("[DONE]", StringComparison.Ordinal)))
        {
            JsonNode chunk = JsonNode.Parse(sseEvent.Trim()["data: ".Length..])!;
            items += (chunk["choices"]?.AsArray() ?? []).Sum(c => c?["delta"]?["tool_calls"]?.AsArray().Count ?? 0);
        }

        Assert.Equal(items, fragments.Length);
        Assert.All(fragments, f => Assert.IsType<OpenAIChat.StreamingChatToolCallUpdate>(f.RawRepresentation));

        // The fragments, accumulated by index, are the expected calls.
        var calls = fragments.GroupBy(f => f.Index).Select(g => (
            Name: g.Select(f => f.Name).First(n => !string.IsNullOrEmpty(n)),
            Arguments: string.Concat(g.Select(f => f.ArgumentsDelta)))).ToArray();
        Assert.Equal(expected.Calls.Select(c => c.Name), calls.Select(c => c.Name));
        for (int i = 0; i < calls.Length; i++)
        {
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected.Calls[i].ArgumentsJson), JsonNode.Parse(calls[i].Arguments)), calls[i].Arguments);
        }

        Assert.Equal(expected.Text, string.Concat(updates.SelectMany(u => u.Contents.OfType<TextContent>()).Select(t => t.Text)));
        Assert.Equal(expected.HasReasoning, updates.Any(u => u.Contents.OfType<TextReasoningContent>().Any()));
        Assert.Equal([ChatFinishReason.ToolCalls], updates.Where(u => u.FinishReason is not null).Select(u => u.FinishReason!.Value));
        UsageDetails? usage = updates.SelectMany(u => u.Contents.OfType<UsageContent>()).LastOrDefault()?.Details;
        Assert.Equal(expected.Usage, usage is null ? null : ((int)usage.InputTokenCount!, (int)usage.OutputTokenCount!, (int)usage.TotalTokenCount!));
    });

    [Fact]
    public Task GetStreamingResponseAsync_Conversation_SendsMessagesToolsAndOptionsInTheWireFormat() => TestGuard.RunAsync(async ct =>
    {
        await using OpenAITestServer server = await OpenAITestServer.StartAsync(ct);
        SseHttpResponse response = server.Enqueue(SseHttpResponse.Of(Chunks.Answer("Sunny.")));
        using OpenAIChatClient client = Client(server, apiKey: "sk-test");
        AIFunction weather = AIFunctionFactory.Create((string city) => "sunny", "get_weather", "The weather in a city.");
        List<ChatMessage> messages =
        [
            new(ChatRole.System, "Be brief."),
            new(ChatRole.User, "Weather in Paris?"),
            new(ChatRole.Assistant, [new TextContent("Checking."), new FunctionCallContent("call_1", "get_weather", new Dictionary<string, object?> { ["city"] = "Paris" })]),
            new(ChatRole.Tool, [new FunctionResultContent("call_1", "sunny, 21 C")]),
        ];
        var options = new ChatOptions { Tools = [weather], Temperature = 0.25f, MaxOutputTokens = 123, Instructions = "Answer in English." };

        List<ChatResponseUpdate> updates = await CollectAsync(client, messages, options, ct);

        Assert.Equal("Sunny.", string.Concat(updates.Select(u => u.Text)));
        RecordedRequest request = await response.Received;
        Assert.Equal("Bearer sk-test", request.Authorization);
        JsonElement body = request.Body;
        Assert.Equal("test-model", body.GetProperty("model").GetString());
        Assert.True(body.GetProperty("stream").GetBoolean());
        Assert.True(body.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
        Assert.Equal(0.25, body.GetProperty("temperature").GetDouble(), 3);
        Assert.Equal(123, body.GetProperty("max_completion_tokens").GetInt32());

        JsonElement[] sent = request.Messages;
        Assert.Equal(["system", "system", "user", "assistant", "tool"], sent.Select(m => m.GetProperty("role").GetString()));
        Assert.Equal("Answer in English.", Text(sent[0]));
        Assert.Equal("Be brief.", Text(sent[1]));
        Assert.Equal("Weather in Paris?", Text(sent[2]));
        Assert.Equal("Checking.", Text(sent[3]));
        JsonElement call = Assert.Single(sent[3].GetProperty("tool_calls").EnumerateArray());
        Assert.Equal("call_1", call.GetProperty("id").GetString());
        Assert.Equal("function", call.GetProperty("type").GetString());
        Assert.Equal("get_weather", call.GetProperty("function").GetProperty("name").GetString());
        Assert.Equal("{\"city\":\"Paris\"}", call.GetProperty("function").GetProperty("arguments").GetString());
        Assert.Equal("call_1", sent[4].GetProperty("tool_call_id").GetString());
        Assert.Equal("sunny, 21 C", Text(sent[4]));

        JsonElement tool = Assert.Single(body.GetProperty("tools").EnumerateArray());
        Assert.Equal("function", tool.GetProperty("type").GetString());
        JsonElement function = tool.GetProperty("function");
        Assert.Equal("get_weather", function.GetProperty("name").GetString());
        Assert.Equal("The weather in a city.", function.GetProperty("description").GetString());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(weather.JsonSchema.GetRawText()), JsonNode.Parse(function.GetProperty("parameters").GetRawText())));
    });

    [Fact]
    public Task GetStreamingResponseAsync_NoApiKey_SendsNoAuthorizationHeader() => TestGuard.RunAsync(async ct =>
    {
        await using OpenAITestServer server = await OpenAITestServer.StartAsync(ct);
        SseHttpResponse response = server.Enqueue(SseHttpResponse.Of(Chunks.Answer("Hi.")));
        using OpenAIChatClient client = Client(server);

        await CollectAsync(client, Ask("hello"), null, ct);

        Assert.Equal(string.Empty, (await response.Received).Authorization);
    });

    [Fact]
    public Task GetStreamingResponseAsync_LegacyMaxTokensAndExtraFields_SendsThemAsTheServerReadsThem() => TestGuard.RunAsync(async ct =>
    {
        await using OpenAITestServer server = await OpenAITestServer.StartAsync(ct);
        SseHttpResponse response = server.Enqueue(SseHttpResponse.Of(Chunks.Answer("Hi.")));
        using var client = new OpenAIChatClient(new OpenAIChatClientOptions { Endpoint = server.Endpoint, Model = "local", UseLegacyMaxTokens = true, MaxRetries = 0 });
        var options = new ChatOptions
        {
            MaxOutputTokens = 64,
            TopK = 20,
            ModelId = "other-model",
            AdditionalProperties = new() { ["chat_template_kwargs"] = JsonDocument.Parse("""{"enable_thinking":false}""").RootElement },
        };

        await CollectAsync(client, Ask("hello"), options, ct);

        JsonElement body = (await response.Received).Body;
        Assert.Equal(64, body.GetProperty("max_tokens").GetInt32());
        Assert.False(body.TryGetProperty("max_completion_tokens", out _));
        Assert.Equal(20, body.GetProperty("top_k").GetInt32());
        Assert.Equal("other-model", body.GetProperty("model").GetString());
        Assert.False(body.GetProperty("chat_template_kwargs").GetProperty("enable_thinking").GetBoolean());
    });

    [Theory]
    [InlineData(ReasoningEffort.Low, "low")]
    [InlineData(ReasoningEffort.High, "high")]
    [InlineData(ReasoningEffort.ExtraHigh, "xhigh")]
    public Task GetStreamingResponseAsync_ReasoningEffort_SendsItsWireName(ReasoningEffort effort, string expected) => TestGuard.RunAsync(async ct =>
    {
        await using OpenAITestServer server = await OpenAITestServer.StartAsync(ct);
        SseHttpResponse response = server.Enqueue(SseHttpResponse.Of(Chunks.Answer("Hi.")));
        using OpenAIChatClient client = Client(server);

        await CollectAsync(client, Ask("hello"), new ChatOptions { Reasoning = new ReasoningOptions { Effort = effort } }, ct);

        Assert.Equal(expected, (await response.Received).Body.GetProperty("reasoning_effort").GetString());
    });

    [Theory]
    [InlineData("reasoning_content")]
    [InlineData("reasoning")]
    public Task GetStreamingResponseAsync_ReasoningDeltas_SurfaceAsTextReasoningContent(string field) => TestGuard.RunAsync(async ct =>
    {
        await using OpenAITestServer server = await OpenAITestServer.StartAsync(ct);
        server.Enqueue(SseHttpResponse.Of(Chunks.Role(), Chunks.Reasoning("Let me", field), Chunks.Reasoning(" think.", field), Chunks.Text("Done."), Chunks.Finish("stop")));
        using OpenAIChatClient client = Client(server);

        List<ChatResponseUpdate> updates = await CollectAsync(client, Ask("hello"), null, ct);

        Assert.Equal("Let me think.", string.Concat(updates.SelectMany(u => u.Contents.OfType<TextReasoningContent>()).Select(r => r.Text)));
        Assert.Equal("Done.", string.Concat(updates.SelectMany(u => u.Contents.OfType<TextContent>()).Select(t => t.Text)));
        Assert.Equal(ChatFinishReason.Stop, updates.Last().FinishReason);
    });

    [Fact]
    public Task GetResponseAsync_ToolCallCompletion_ReturnsCallsFinishReasonAndUsage() => TestGuard.RunAsync(async ct =>
    {
        await using OpenAITestServer server = await OpenAITestServer.StartAsync(ct);
        server.Enqueue(new JsonHttpResponse(200, """
            {"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"test-model",
             "choices":[{"index":0,"finish_reason":"tool_calls","message":{"role":"assistant","content":"Looking.","reasoning_content":"They want weather.",
               "tool_calls":[{"id":"call_a","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Oslo\"}"}},
                             {"id":"call_b","type":"function","function":{"name":"get_time","arguments":""}}]}}],
             "usage":{"prompt_tokens":12,"completion_tokens":8,"total_tokens":20}}
            """));
        using OpenAIChatClient client = Client(server);

        ChatResponse response = await client.GetResponseAsync(Ask("weather and time?"), null, ct);

        Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);
        Assert.Equal("chatcmpl-1", response.ResponseId);
        Assert.Equal(20, response.Usage?.TotalTokenCount);
        ChatMessage message = Assert.Single(response.Messages);
        Assert.Equal("Looking.", message.Text);
        Assert.Equal("They want weather.", Assert.Single(message.Contents.OfType<TextReasoningContent>()).Text);
        FunctionCallContent[] calls = [.. message.Contents.OfType<FunctionCallContent>()];
        Assert.Equal(["call_a", "call_b"], calls.Select(c => c.CallId));
        Assert.Equal("Oslo", calls[0].Arguments!["city"]?.ToString());
        Assert.Empty(calls[1].Arguments!);
        Assert.False(server.Requests.Single().Body.TryGetProperty("stream", out JsonElement stream) && stream.GetBoolean());
    });

    [Fact]
    public Task GetResponseAsync_HttpError_ThrowsWithTheStatusAndTheServersMessage() => TestGuard.RunAsync(async ct =>
    {
        await using OpenAITestServer server = await OpenAITestServer.StartAsync(ct);
        server.Enqueue(JsonHttpResponse.Error(404, "The model 'test-model' does not exist.", "not_found_error"));
        using OpenAIChatClient client = Client(server);

        OpenAIChatException e = await Assert.ThrowsAsync<OpenAIChatException>(() => client.GetResponseAsync(Ask("hi"), null, ct));

        Assert.Equal(404, e.StatusCode);
        Assert.Contains("HTTP 404", e.Message, StringComparison.Ordinal);
        Assert.Contains("The model 'test-model' does not exist.", e.Message, StringComparison.Ordinal);
        Assert.Contains(server.Endpoint.ToString(), e.Message, StringComparison.Ordinal);
    });

    [Fact]
    public Task GetStreamingResponseAsync_ServerBusyThenReady_RetriesBeforeTheStreamStarts() => TestGuard.RunAsync(async ct =>
    {
        await using OpenAITestServer server = await OpenAITestServer.StartAsync(ct);
        JsonHttpResponse busy = JsonHttpResponse.Error(503, "Overloaded.");
        busy.Headers["retry-after-ms"] = "1";
        server.Enqueue(busy);
        server.Enqueue(SseHttpResponse.Of(Chunks.Answer("Back.")));
        using OpenAIChatClient client = Client(server, maxRetries: 1);

        List<ChatResponseUpdate> updates = await CollectAsync(client, Ask("hi"), null, ct);

        Assert.Equal("Back.", string.Concat(updates.Select(u => u.Text)));
        Assert.Equal(2, server.Requests.Count);
    });

    [Fact]
    public Task GetStreamingResponseAsync_ServerBusyOnEveryTry_ReportsTheLastAnswer() => TestGuard.RunAsync(async ct =>
    {
        await using OpenAITestServer server = await OpenAITestServer.StartAsync(ct);
        for (int i = 0; i < 2; i++)
        {
            JsonHttpResponse busy = JsonHttpResponse.Error(503, "Overloaded.");
            busy.Headers["retry-after-ms"] = "1";
            server.Enqueue(busy);
        }

        using OpenAIChatClient client = Client(server, maxRetries: 1);

        OpenAIChatException e = await Assert.ThrowsAsync<OpenAIChatException>(() => CollectAsync(client, Ask("hi"), null, ct));

        Assert.Equal(503, e.StatusCode);
        Assert.Equal($"The model server at {server.Endpoint} answered HTTP 503 (Service Unavailable): Overloaded. (type server_error)", e.Message);
        Assert.Equal(2, server.Requests.Count);
    });

    [Fact]
    public void GetService_Metadata_NamesTheProviderEndpointAndModel()
    {
        using var client = new OpenAIChatClient(new OpenAIChatClientOptions { Endpoint = new Uri("http://127.0.0.1:8000/v1"), Model = "qwen" });

        ChatClientMetadata metadata = client.GetService<ChatClientMetadata>()!;

        Assert.Equal("openai", metadata.ProviderName);
        Assert.Equal(new Uri("http://127.0.0.1:8000/v1"), metadata.ProviderUri);
        Assert.Equal("qwen", metadata.DefaultModelId);
        Assert.NotNull(client.GetService<OpenAIChat.ChatClient>());
    }

    [Fact]
    public void Constructor_NoModel_Throws()
    {
        Assert.Throws<InvalidOperationException>(() => new OpenAIChatClient(new OpenAIChatClientOptions()));
        Assert.Throws<ArgumentException>(() => new OpenAIChatClientOptions { Endpoint = new Uri("/v1", UriKind.Relative) });
    }

    private static string Text(JsonElement message)
    {
        JsonElement content = message.GetProperty("content");
        return content.ValueKind == JsonValueKind.String
            ? content.GetString()!
            : string.Concat(content.EnumerateArray().Select(p => p.GetProperty("text").GetString()));
    }
}
