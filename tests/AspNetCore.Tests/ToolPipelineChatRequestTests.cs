using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Builder;
using System.Net;
using System.Text.Json;
using ToolFlow.Providers.Scripted;
using ToolFlow.WireTesting;

namespace ToolFlow.AspNetCore.Tests;

/// <summary>Bad input, ownership and the host's authorization: each refusal is a problem with its code, and changes nothing.</summary>
public sealed class ToolPipelineChatRequestTests
{
    private static ScriptedResponse OneCall() => new ScriptedResponse().Text("Looking.").Call("slow", """{"q": "a"}""");

    [Fact]
    public Task CreateConversation_BadBodies_400WithTheirCodesAndNoConversationCreated() => TestGuard.RunAsync(async ct =>
    {
        ChatScenario scenario = ChatScenario.ByTurn(ChatScenario.Text("Hi."));
        await using ChatTestHost host = await ChatTestHost.StartAsync(scenario.Create, o =>
        {
            o.MaxMessageLength = 10;
            o.MaxSettings = 2;
            o.MaxSettingLength = 5;
        });
        HttpClient alice = host.Client();
        (string Body, string Code)[] cases =
        [
            ("{\"message\": ", "invalid_body"),
            ("not json", "invalid_body"),
            ("", "invalid_body"),
            ("null", "invalid_body"),
            ("[\"hi\"]", "invalid_body"),
            ("{}", "invalid_body"),
            ("{\"message\": \"\"}", "invalid_body"),
            ("{\"message\": \"   \"}", "invalid_body"),
            ("{\"message\": 42}", "invalid_body"),
            ("{\"message\": \"hi\", \"settings\": [1]}", "invalid_body"),
            ("{\"message\": \"hi\", \"settings\": {\"mode\": 1}}", "invalid_body"),
            ("{\"message\": \"12345678901\"}", "message_too_long"),
            ("{\"message\": \"hi\", \"settings\": {\"a\": \"1\", \"b\": \"2\", \"c\": \"3\"}}", "invalid_settings"),
            ("{\"message\": \"hi\", \"settings\": {\"toolong\": \"1\"}}", "invalid_settings"),
            ("{\"message\": \"hi\", \"settings\": {\"a\": \"123456\"}}", "invalid_settings"),
            ("{\"message\": \"hi\", \"settings\": {\"\": \"1\"}}", "invalid_settings"),
            ("{\"message\": \"hi\", \"settings\": {\"a\": null}}", "invalid_settings"),
        ];
        foreach ((string body, string code) in cases)
        {
            using HttpResponseMessage response = await alice.PostJsonAsync("chat/conversations", body, ct);
            await response.AssertProblemAsync(400, code);
        }

        Assert.Equal(0, await host.Store().CountAsync("alice", ct));
        Assert.Empty(scenario.Contexts);

        // The limits themselves are allowed.
        await alice.CreateAsync("1234567890", ct, new Dictionary<string, string> { ["a"] = "12345", ["bcdef"] = "" });
    });

    [Fact]
    public Task CreateConversation_FactoryRefusesTheSettings_400InvalidSettingsAndNoConversationKept() => TestGuard.RunAsync(async ct =>
    {
        ChatScenario scenario = ChatScenario.ByTurn(ChatScenario.Text("Hi."));
        await using ChatTestHost host = await ChatTestHost.StartAsync(context =>
            context.Settings.GetValueOrDefault("mode") is "await" or null
                ? scenario.Create(context)
                : throw new ArgumentException($"Unknown mode '{context.Settings["mode"]}'.", nameof(context)));
        HttpClient alice = host.Client();

        using HttpResponseMessage refused = await alice.PostJsonAsync("chat/conversations", """{"message": "hi", "settings": {"mode": "warp"}}""", ct);
        await refused.AssertProblemAsync(400, "invalid_settings");
        using JsonDocument problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync(ct));
        Assert.Contains("Unknown mode 'warp'", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await host.Store().CountAsync("alice", ct));

        // Settings it takes still make a conversation.
        await alice.CreateAsync("hi", ct, new Dictionary<string, string> { ["mode"] = "await" });
        Assert.Equal(1, await host.Store().CountAsync("alice", ct));
    });

    [Fact]
    public Task ConversationRoutes_BadInput_ProblemsWithTheirCodesAndTheConversationUnchanged() => TestGuard.RunAsync(async ct =>
    {
        ChatScenario scenario = ChatScenario.ByTurn(OneCall(), ChatScenario.Text("Done."));
        await using ChatSession session = await ChatSession.StartAsync(scenario, ct, o => o.MaxMessageLength = 10);
        (HttpClient alice, string id) = (session.Alice, session.Id);
        await session.Events.WaitForQuietAsync(ct, ("call_t1_0", "running"));
        string before = (await alice.GetJsonAsync($"chat/conversations/{id}", ct)).GetRawText();
        string c = $"chat/conversations/{id}";

        (string Path, string? Body, int Status, string Code)[] cases =
        [
            ($"{c}/messages", "{oops", 400, "invalid_body"),
            ($"{c}/messages", "{}", 400, "invalid_body"),
            ($"{c}/messages", "{\"message\": \"12345678901\"}", 400, "message_too_long"),
            ($"{c}/messages", "{\"message\": \"hello\"}", 409, "turn_running"),
            ($"{c}/calls/call_t1_0/deny", "{\"reason\": 5}", 400, "invalid_body"),
            ($"{c}/calls/call_t1_0/deny", "{\"reason\": \"12345678901\"}", 400, "message_too_long"),
            ($"{c}/calls/nope/cancel", null, 404, "call_not_found"),
            ($"{c}/calls/nope/cancel-branch", null, 404, "call_not_found"),
            ($"{c}/calls/nope/approve", null, 404, "call_not_found"),
            ($"{c}/calls/nope/deny", null, 404, "call_not_found"),
            ($"{c}/calls/call_t1_0/approve", null, 409, "not_awaiting_approval"),
            ("chat/conversations/unknown/messages", "{\"message\": \"hi\"}", 404, "conversation_not_found"),
            ("chat/conversations/unknown/cancel", null, 404, "conversation_not_found"),
            ("chat/conversations/unknown/calls/call_t1_0/cancel", null, 404, "conversation_not_found"),
        ];
        foreach ((string path, string? body, int status, string code) in cases)
        {
            using HttpResponseMessage response = body is null ? await alice.PostAsync(path, null, ct) : await alice.PostJsonAsync(path, body, ct);
            await response.AssertProblemAsync(status, code);
        }

        using HttpResponseMessage unknownGet = await alice.GetAsync("chat/conversations/unknown", ct);
        await unknownGet.AssertProblemAsync(404, "conversation_not_found");
        using HttpResponseMessage unknownEvents = await alice.GetAsync("chat/conversations/unknown/events", ct);
        await unknownEvents.AssertProblemAsync(404, "conversation_not_found");

        Assert.Equal(before, (await alice.GetJsonAsync($"chat/conversations/{id}", ct)).GetRawText());
        Assert.Single(scenario.Contexts);
        scenario.Gate("slow").Open("ok");
    });

    [Fact]
    public Task CreateConversation_OverMaxConversationsPerOwner_429ForThatOwnerOnly() => TestGuard.RunAsync(async ct =>
    {
        ChatScenario scenario = new(_ => ChatScenario.Text("Hi."));
        await using ChatTestHost host = await ChatTestHost.StartAsync(scenario.Create, o => o.MaxConversationsPerOwner = 2);
        HttpClient alice = host.Client();
        string first = await alice.CreateAsync("one", ct);
        await alice.CreateAsync("two", ct);

        using HttpResponseMessage third = await alice.PostJsonAsync("chat/conversations", """{"message": "three"}""", ct);
        await third.AssertProblemAsync(429, "too_many_conversations");
        Assert.Equal(2, await host.Store().CountAsync("alice", ct));
        await host.Client("bob").CreateAsync("bob's first", ct);

        // Deleting one makes room again.
        using HttpResponseMessage deleted = await alice.DeleteAsync($"chat/conversations/{first}", ct);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using HttpResponseMessage gone = await alice.GetAsync($"chat/conversations/{first}", ct);
        await gone.AssertProblemAsync(404, "conversation_not_found");
        await alice.CreateAsync("three", ct);
    });

    [Fact]
    public Task EveryRoute_AnotherOwnersConversation_404ConversationNotFoundAndNothingChanged() => TestGuard.RunAsync(async ct =>
    {
        ChatScenario scenario = ChatScenario.ByTurn(OneCall(), ChatScenario.Text("Done."));
        scenario.NeedApproval.Add("slow");
        await using ChatTestHost host = await ChatTestHost.StartAsync(scenario.Create);
        HttpClient alice = host.Client();
        HttpClient bob = host.Client("bob");
        string id = await alice.CreateAsync("Alice's secret", ct);
        await using SseClient sse = await SseClient.ConnectAsync(alice, id, ct);
        await sse.WaitForQuietAsync(ct, ("call_t1_0", "awaitingApproval"));
        string before = (await alice.GetJsonAsync($"chat/conversations/{id}", ct)).GetRawText();
        string c = $"chat/conversations/{id}";

        foreach (HttpRequestMessage request in new[]
        {
            new HttpRequestMessage(HttpMethod.Get, c),
            new HttpRequestMessage(HttpMethod.Get, $"{c}/events"),
            new HttpRequestMessage(HttpMethod.Delete, c),
            new HttpRequestMessage(HttpMethod.Post, $"{c}/messages") { Content = new StringContent("""{"message": "hi"}""", System.Text.Encoding.UTF8, "application/json") },
            new HttpRequestMessage(HttpMethod.Post, $"{c}/cancel"),
            new HttpRequestMessage(HttpMethod.Post, $"{c}/calls/call_t1_0/cancel"),
            new HttpRequestMessage(HttpMethod.Post, $"{c}/calls/call_t1_0/cancel-branch"),
            new HttpRequestMessage(HttpMethod.Post, $"{c}/calls/call_t1_0/approve"),
            new HttpRequestMessage(HttpMethod.Post, $"{c}/calls/call_t1_0/deny"),
        })
        {
            using (request)
            {
                using HttpResponseMessage response = await bob.SendAsync(request, ct);
                await response.AssertProblemAsync(404, "conversation_not_found");
                Assert.DoesNotContain("secret", await response.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
            }
        }

        Assert.Equal(before, (await alice.GetJsonAsync($"chat/conversations/{id}", ct)).GetRawText());
        using HttpResponseMessage approved = await alice.PostAsync($"{c}/calls/call_t1_0/approve", null, ct);
        Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        await scenario.Gate("slow").Started;
        scenario.Gate("slow").Open("ok");
        await sse.WaitForIdleAsync(ct);
    });

    [Fact]
    public Task Routes_NoOwner_401Unauthenticated() => TestGuard.RunAsync(async ct =>
    {
        ChatScenario scenario = ChatScenario.ByTurn(ChatScenario.Text("Hi."));
        await using ChatTestHost host = await ChatTestHost.StartAsync(scenario.Create);
        HttpClient nobody = host.Client(user: null);

        using HttpResponseMessage create = await nobody.PostJsonAsync("chat/conversations", """{"message": "hi"}""", ct);
        await create.AssertProblemAsync(401, "unauthenticated");
        using HttpResponseMessage get = await nobody.GetAsync("chat/conversations/any", ct);
        await get.AssertProblemAsync(401, "unauthenticated");
        Assert.Empty(scenario.Contexts);
    });

    [Fact]
    public Task Routes_GroupRequiresAuthorization_HostAnswers401And403AndOwnersStillSeeOnlyTheirOwn() => TestGuard.RunAsync(async ct =>
    {
        ChatScenario scenario = ChatScenario.ByTurn(ChatScenario.Text("Hi."));
        await using ChatTestHost host = await ChatTestHost.StartAsync(scenario.Create, conventions: group => group.RequireAuthorization(ChatTestHost.Policy));

        using HttpResponseMessage anonymous = await host.Client(user: null).PostJsonAsync("chat/conversations", """{"message": "hi"}""", ct);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using HttpResponseMessage noRole = await host.Client("mallory", roles: "").PostJsonAsync("chat/conversations", """{"message": "hi"}""", ct);
        Assert.Equal(HttpStatusCode.Forbidden, noRole.StatusCode);
        Assert.Empty(scenario.Contexts);

        string id = await host.Client().CreateAsync("hi", ct);
        using HttpResponseMessage forbidden = await host.Client("mallory", roles: "").GetAsync($"chat/conversations/{id}", ct);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        using HttpResponseMessage otherUser = await host.Client("bob").GetAsync($"chat/conversations/{id}", ct);
        await otherUser.AssertProblemAsync(404, "conversation_not_found");
        JsonElement snapshot = await host.Client().GetJsonAsync($"chat/conversations/{id}", ct);
        Assert.Equal(id, snapshot.GetProperty("conversationId").GetString());
    });

    [Fact]
    public Task Requests_BodyOverMaxRequestBodyBytes_MessageTooLongWithOrWithoutAContentLength() => TestGuard.RunAsync(async ct =>
    {
        ChatScenario scenario = ChatScenario.ByTurn(ChatScenario.Text("Hi."));
        await using ChatTestHost host = await ChatTestHost.StartAsync(scenario.Create, o => (o.MaxMessageLength, o.MaxSettings) = (10, 0));
        HttpClient alice = host.Client();
        long max = host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ToolPipelineChatOptions>>().Value.MaxRequestBodyBytes;
        Assert.Equal(60 + 4096, max);
        string padded = "{\"message\": \"hi\", \"pad\": \"" + new string('x', (int)max) + "\"}";

        using HttpResponseMessage withLength = await alice.PostJsonAsync("chat/conversations", padded, ct);
        await withLength.AssertProblemAsync(400, "message_too_long");
        using var chunked = new StreamContent(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(padded)));
        chunked.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "chat/conversations") { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        using HttpResponseMessage withoutLength = await alice.SendAsync(request, ct);
        await withoutLength.AssertProblemAsync(400, "message_too_long");
        Assert.Equal(0, await host.Store().CountAsync("alice", ct));

        // Unknown properties are ignored within the limit.
        using HttpResponseMessage fits = await alice.PostJsonAsync("chat/conversations", "{\"message\": \"hi\", \"pad\": \"" + new string('x', 1000) + "\"}", ct);
        Assert.Equal(HttpStatusCode.Created, fits.StatusCode);
    });

    [Fact]
    public Task Events_OverMaxStreamsPerConversation_429TooManyStreams() => TestGuard.RunAsync(async ct =>
    {
        ChatScenario scenario = ChatScenario.ByTurn(ChatScenario.Text("Hi."));
        await using ChatTestHost host = await ChatTestHost.StartAsync(scenario.Create, o => o.MaxStreamsPerConversation = 2);
        HttpClient alice = host.Client();
        string id = await alice.CreateAsync("hi", ct);
        await using SseClient first = await SseClient.ConnectAsync(alice, id, ct);
        await using SseClient second = await SseClient.ConnectAsync(alice, id, ct);
        Assert.Equal("snapshot", (await second.NextAsync(ct)).Type);

        using HttpResponseMessage third = await alice.GetAsync($"chat/conversations/{id}/events", HttpCompletionOption.ResponseHeadersRead, ct);
        await third.AssertProblemAsync(429, "too_many_streams");
        string otherId = await alice.CreateAsync("another", ct);
        await using SseClient other = await SseClient.ConnectAsync(alice, otherId, ct);
    });
}
