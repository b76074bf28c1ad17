using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;
using Microsoft.Playwright;
using ToolFlow.Blocks;
using ToolFlow.Pipeline;
using ToolFlow.Profiling;
using ToolFlow.WireTesting;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;
using static ToolFlow.Samples.ChatUi.Tests.GatedChatClient;

namespace ToolFlow.Samples.ChatUi.Tests;

/// <summary>
/// The sample page in headless chromium against the app on loopback. The model and tools are held by gates the test
/// opens after it has seen the page reach a state, so every ordering is shown by the page, never by time.
/// </summary>
public sealed class ChatUiPageTests(BrowserFixture browser, ITestOutputHelper output) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task Send_CallClosesMidStream_CardRunsBeforeTheTextEnds()
    {
        var text = new Gate();
        var tool = new Gate();
        ChatScenario scenario = OneHeldCall("early-start", "Let me look that up.", " While it runs I keep talking", text, " and now I am done.", "The answer is A.", tool);
        await using ChatUiServer server = await ChatUiServer.StartAsync(scenario);
        await using IBrowserContext context = await browser.Browser.NewContextAsync();
        IPage page = await OpenAsync(context, server);

        await SendAsync(page);

        // The model is held mid-text: the card is running while the rest of the text has not been written.
        await Expect(Card(page, "call_a")).ToHaveAttributeAsync("data-state", "running");
        await Expect(Card(page, "call_a").Locator(".call-args")).ToHaveTextAsync("""{"q":"a"}""");
        await Expect(AssistantText(page, 1)).ToHaveTextAsync("Let me look that up. While it runs I keep talking");
        await Expect(page.Locator("#status")).ToHaveTextAsync("running");
        await Screenshots.SaveAsync(page, nameof(Send_CallClosesMidStream_CardRunsBeforeTheTextEnds), output);

        text.Open();
        await Expect(AssistantText(page, 1)).ToHaveTextAsync("Let me look that up. While it runs I keep talking and now I am done.");
        await Expect(Card(page, "call_a")).ToHaveAttributeAsync("data-state", "running");
        tool.Open();
        await Expect(Card(page, "call_a")).ToHaveAttributeAsync("data-state", "done");
        await Expect(Card(page, "call_a").Locator(".call-result")).ToHaveTextAsync("result for a");
        await Expect(Card(page, "call_a").Locator(".call-duration")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d+ ms$"));
        await Expect(AssistantText(page, 2)).ToHaveTextAsync("The answer is A.");
        await Expect(page.Locator("#status")).ToHaveTextAsync("idle");
        await Expect(page.Locator("#timeline .timeline-row")).ToHaveCountAsync(3);
    }

    [Theory]
    [InlineData("cancel")]
    [InlineData("cancel-branch")]
    public async Task CancelButton_RunningCall_ItAndItsDependentCancelledOthersFinish(string action)
    {
        ChatScenario scenario = Scenario("cancel", turn => turn == 1
            ?
            [
                Text("Three lookups."),
                Call("call_slow", "lookup", """{"q": "slow"}"""),
                Call("call_dep", "lookup", """{"q": {"$future": "call_slow"}}"""),
                Call("call_fast", "lookup", """{"q": "fast"}"""),
                Text(" Waiting for them."),
            ]
            : [Text("The fast one answered; the slow one was cancelled.")],
            async (q, ct) =>
            {
                if (q == "slow")
                {
                    // Runs until it is cancelled from the page.
                    await Task.Delay(Timeout.Infinite, ct);
                }

                return $"result for {q}";
            });
        await using ChatUiServer server = await ChatUiServer.StartAsync(scenario);
        await using IBrowserContext context = await browser.Browser.NewContextAsync();
        IPage page = await OpenAsync(context, server);

        await SendAsync(page);
        await Expect(Card(page, "call_slow")).ToHaveAttributeAsync("data-state", "running");
        await Expect(Card(page, "call_dep")).ToHaveAttributeAsync("data-state", "waiting");
        await Expect(Card(page, "call_fast")).ToHaveAttributeAsync("data-state", "done");
        await Card(page, "call_slow").Locator($"button[data-action={action}]").ClickAsync();

        await Expect(Card(page, "call_slow")).ToHaveAttributeAsync("data-state", "cancelled");
        await Expect(Card(page, "call_dep")).ToHaveAttributeAsync("data-state", "cancelled");
        await Expect(Card(page, "call_fast")).ToHaveAttributeAsync("data-state", "done");
        await Expect(AssistantText(page, 2)).ToHaveTextAsync("The fast one answered; the slow one was cancelled.");
        await Expect(page.Locator("#status")).ToHaveTextAsync("idle");
        await Expect(Card(page, "call_slow").Locator("button")).ToHaveCountAsync(0);
        await Screenshots.SaveAsync(page, $"{nameof(CancelButton_RunningCall_ItAndItsDependentCancelledOthersFinish)}-{action}", output);
    }

    [Fact]
    public async Task CancelTurn_MidStream_RunEndsCancelledAndThePageIsIdle()
    {
        var text = new Gate();
        var tool = new Gate();
        ChatScenario scenario = OneHeldCall("cancel-turn", "Starting.", " Still talking", text, " never said.", "never answered.", tool);
        await using ChatUiServer server = await ChatUiServer.StartAsync(scenario);
        await using IBrowserContext context = await browser.Browser.NewContextAsync();
        IPage page = await OpenAsync(context, server);
        await SendAsync(page);
        await Expect(Card(page, "call_a")).ToHaveAttributeAsync("data-state", "running");
        await Expect(AssistantText(page, 1)).ToHaveTextAsync("Starting. Still talking");

        await page.Locator("#cancel-turn").ClickAsync();

        await Expect(page.Locator("#status")).ToHaveTextAsync("idle");
        await Expect(page.Locator("#notice")).ToContainTextAsync("turnCancelled");
        await Expect(Card(page, "call_a")).ToHaveAttributeAsync("data-state", "cancelled");
        await Expect(AssistantText(page, 1)).ToHaveTextAsync("Starting. Still talking");
        await Expect(page.Locator("#cancel-turn")).ToBeDisabledAsync();
        await Expect(page.Locator("#send")).ToBeEnabledAsync();
        await Screenshots.SaveAsync(page, nameof(CancelTurn_MidStream_RunEndsCancelledAndThePageIsIdle), output);
    }

    [Fact]
    public async Task Travel_DefaultScenario_FourCardsDoneAndThePlanAnswers()
    {
        await using ChatUiServer server = await ChatUiServer.StartAsync();
        await using IBrowserContext context = await browser.Browser.NewContextAsync();
        IPage page = await OpenAsync(context, server);
        await Expect(page.Locator("#scenario")).ToHaveValueAsync("travel");

        await SendAsync(page);

        await Expect(page.Locator(".call-card[data-state=done]")).ToHaveCountAsync(4);
        await Expect(page.Locator(".call-card .call-name")).ToHaveTextAsync(["get_weather", "search_flights", "find_hotels", "convert_currency"]);
        await Expect(AssistantText(page, 2)).ToContainTextAsync("Here's your plan.");
        await Expect(page.Locator("#status")).ToHaveTextAsync("idle");
        await Expect(page.Locator("#timeline .timeline-row")).ToHaveCountAsync(6);
        await Screenshots.SaveAsync(page, nameof(Travel_DefaultScenario_FourCardsDoneAndThePlanAnswers), output);
    }

    [Fact]
    public async Task ApproveAndDeny_TwoCallsAwaitingApproval_OneRunsOneIsDenied()
    {
        await using ChatUiServer server = await ChatUiServer.StartAsync(SampleScenarios.Approvals());
        await using IBrowserContext context = await browser.Browser.NewContextAsync();
        IPage page = await OpenAsync(context, server);

        await SendAsync(page);
        ILocator weather = Card(page, "call_t1_0");
        ILocator flight = Card(page, "call_t1_1");
        ILocator hotel = Card(page, "call_t1_2");
        await Expect(flight).ToHaveAttributeAsync("data-state", "awaitingApproval");
        await Expect(hotel).ToHaveAttributeAsync("data-state", "awaitingApproval");
        await Expect(weather).ToHaveAttributeAsync("data-state", "done");
        await Expect(flight.Locator("button[data-action=approve]")).ToBeVisibleAsync();
        await Screenshots.SaveAsync(page, nameof(ApproveAndDeny_TwoCallsAwaitingApproval_OneRunsOneIsDenied) + "-waiting", output);

        await flight.Locator("button[data-action=approve]").ClickAsync();
        await hotel.Locator("button[data-action=deny]").ClickAsync();

        await Expect(flight).ToHaveAttributeAsync("data-state", "done");
        await Expect(flight.Locator(".call-result")).ToContainTextAsync("booked TP1351");
        await Expect(hotel).ToHaveAttributeAsync("data-state", "denied");
        await Expect(AssistantText(page, 2)).ToContainTextAsync("book_flight: booked TP1351");
        await Expect(AssistantText(page, 2)).ToContainTextAsync("book_hotel: Error");
        await Expect(page.Locator("#status")).ToHaveTextAsync("idle");
        await Screenshots.SaveAsync(page, nameof(ApproveAndDeny_TwoCallsAwaitingApproval_OneRunsOneIsDenied), output);
    }

    [Fact]
    public async Task Reload_MidConversation_FullStateThenTheRestLive()
    {
        var text = new Gate();
        var tool = new Gate();
        ChatScenario scenario = OneHeldCall("reload", "First part.", " Second part.", text, " Third part.", "Final answer.", tool);
        await using ChatUiServer server = await ChatUiServer.StartAsync(scenario);
        await using IBrowserContext context = await browser.Browser.NewContextAsync();
        IPage page = await OpenAsync(context, server);
        await SendAsync(page);
        await Expect(Card(page, "call_a")).ToHaveAttributeAsync("data-state", "running");
        await Expect(AssistantText(page, 1)).ToHaveTextAsync("First part. Second part.");
        string id = (await page.Locator("body").GetAttributeAsync("data-conversation-id"))!;

        await page.ReloadAsync();

        Assert.Contains($"c={id}", page.Url, StringComparison.Ordinal);
        await Expect(page.Locator("body")).ToHaveAttributeAsync("data-conversation-id", id);
        await Expect(page.Locator(".message[data-role=user][data-turn='1'] .message-text")).ToHaveTextAsync("Look it up.");
        await Expect(AssistantText(page, 1)).ToHaveTextAsync("First part. Second part.");
        await Expect(Card(page, "call_a")).ToHaveAttributeAsync("data-state", "running");
        await Expect(Card(page, "call_a").Locator(".call-args")).ToHaveTextAsync("""{"q":"a"}""");
        await Expect(page.Locator("#status")).ToHaveTextAsync("running");
        await Screenshots.SaveAsync(page, nameof(Reload_MidConversation_FullStateThenTheRestLive) + "-reloaded", output);

        text.Open();
        tool.Open();
        await Expect(AssistantText(page, 1)).ToHaveTextAsync("First part. Second part. Third part.");
        await Expect(Card(page, "call_a")).ToHaveAttributeAsync("data-state", "done");
        await Expect(AssistantText(page, 2)).ToHaveTextAsync("Final answer.");
        await Expect(page.Locator("#status")).ToHaveTextAsync("idle");
        await Expect(page.Locator(".call-card")).ToHaveCountAsync(1);
        await Screenshots.SaveAsync(page, nameof(Reload_MidConversation_FullStateThenTheRestLive), output);
    }

    [Fact]
    public async Task DroppedStream_EventSourceReconnectsWithLastEventId_NothingLostOrDuplicated()
    {
        var text = new Gate();
        var tool = new Gate();
        var reconnect = new Gate();
        ChatScenario scenario = OneHeldCall("dropped", "First part.", " Second part.", text, " Third part.", "Final answer.", tool);

        // Watches the page's event streams: the first is dropped by the test; the next is held until the test lets it in.
        var streams = new List<(HttpContext Context, string? LastEventId)>();
        var reconnected = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using ChatUiServer server = await ChatUiServer.StartAsync([scenario], o => o.ConfigureApp = app => app.Use(async (context, next) =>
        {
            if (context.Request.Path.Value?.EndsWith("/events", StringComparison.Ordinal) == true)
            {
                string? lastEventId = context.Request.Headers["Last-Event-ID"].FirstOrDefault();
                int count;
                lock (streams)
                {
                    streams.Add((context, lastEventId));
                    count = streams.Count;
                }

                if (count == 2)
                {
                    reconnected.TrySetResult(lastEventId);
                    await reconnect.Opened.WaitAsync(context.RequestAborted);
                }
            }

            await next(context);
        }));
        await using IBrowserContext context = await browser.Browser.NewContextAsync();
        IPage page = await OpenAsync(context, server);
        await SendAsync(page);
        await Expect(Card(page, "call_a")).ToHaveAttributeAsync("data-state", "running");
        await Expect(AssistantText(page, 1)).ToHaveTextAsync("First part. Second part.");

        // The connection drops mid-turn; while the browser is away, the model finishes and the tool returns.
        HttpContext first;
        lock (streams)
        {
            first = Assert.Single(streams).Context;
        }

        first.Abort();
        text.Open();
        tool.Open();

        // EventSource comes back by itself, saying the last event it had; the server replays from there.
        string? lastEventId = await reconnected.Task.WaitAsync(TimeSpan.FromMinutes(1));
        Assert.True(long.TryParse(lastEventId, out long last) && last > 0, $"Last-Event-ID was '{lastEventId}'");
        reconnect.Open();

        await Expect(AssistantText(page, 1)).ToHaveTextAsync("First part. Second part. Third part.");
        await Expect(Card(page, "call_a")).ToHaveAttributeAsync("data-state", "done");
        await Expect(Card(page, "call_a").Locator(".call-result")).ToHaveTextAsync("result for a");
        await Expect(AssistantText(page, 2)).ToHaveTextAsync("Final answer.");
        await Expect(page.Locator("#status")).ToHaveTextAsync("idle");
        await Expect(page.Locator(".call-card")).ToHaveCountAsync(1);
        await Expect(page.Locator(".message[data-role=assistant]")).ToHaveCountAsync(2);
        await Screenshots.SaveAsync(page, nameof(DroppedStream_EventSourceReconnectsWithLastEventId_NothingLostOrDuplicated), output);
    }

    [Fact]
    public async Task StalledStream_ClientFallsBehind_PageGetsLaggedThenASnapshotAndShowsTheWholeConversation()
    {
        var text = new Gate();
        var tool = new Gate();
        ChatScenario scenario = OneHeldCall("stalled", "First part.", " Second part.", text, " Third part.", "Final answer.", tool);

        // The page's stream is written through a body that the test can stall, as a client that stops reading would.
        var body = new StallingStream();
        await using ChatUiServer server = await ChatUiServer.StartAsync([scenario], o =>
        {
            o.ConfigureChat = chat => chat.ClientBufferCapacity = 2;
            o.ConfigureApp = app => app.Use(async (context, next) =>
            {
                if (context.Request.Path.Value?.EndsWith("/events", StringComparison.Ordinal) == true)
                {
                    context.Response.Body = body.Over(context.Response.Body);
                }

                await next(context);
            });
        });
        await using IBrowserContext context = await browser.Browser.NewContextAsync();
        IPage page = await OpenAsync(context, server);
        await SendAsync(page);
        await Expect(Card(page, "call_a")).ToHaveAttributeAsync("data-state", "running");
        await Expect(AssistantText(page, 1)).ToHaveTextAsync("First part. Second part.");
        string id = (await page.Locator("body").GetAttributeAsync("data-conversation-id"))!;

        // Stalled, the stream falls behind while the whole run finishes: far more events than its buffer holds.
        body.Stall();
        text.Open();
        tool.Open();
        while ((await (await context.APIRequest.GetAsync($"{server.Address}chat/conversations/{id}")).JsonAsync())!.Value.GetProperty("running").GetBoolean())
        {
            // Each turn of this loop waits for a response from the server: it ends when the run has.
        }

        body.Resume();
        await Expect(AssistantText(page, 1)).ToHaveTextAsync("First part. Second part. Third part.");
        await Expect(Card(page, "call_a")).ToHaveAttributeAsync("data-state", "done");
        await Expect(AssistantText(page, 2)).ToHaveTextAsync("Final answer.");
        await Expect(page.Locator("#status")).ToHaveTextAsync("idle");
        await Expect(page.Locator(".call-card")).ToHaveCountAsync(1);
        string written = body.Written;
        int lagged = written.IndexOf("event: lagged", StringComparison.Ordinal);
        Assert.True(lagged > 0, "the stream was never told it fell behind");
        Assert.Contains("event: snapshot", written[lagged..], StringComparison.Ordinal);
        await Screenshots.SaveAsync(page, nameof(StalledStream_ClientFallsBehind_PageGetsLaggedThenASnapshotAndShowsTheWholeConversation), output);
    }

    [Fact]
    public async Task TwoBrowserContexts_AreTwoUsers_NeitherSeesNorActsOnTheOthers()
    {
        var tool = new Gate();
        ChatScenario scenario = Scenario("private", turn => turn == 1
            ? [Text("Checking."), Call("call_a", "lookup", """{"q": "a"}""")]
            : [Text("Done.")],
            HeldLookup(tool));
        await using ChatUiServer server = await ChatUiServer.StartAsync(scenario);
        await using IBrowserContext alice = await browser.Browser.NewContextAsync();
        await using IBrowserContext bob = await browser.Browser.NewContextAsync();
        IPage alicePage = await OpenAsync(alice, server);
        IPage bobPage = await OpenAsync(bob, server);
        Assert.NotEqual(await alicePage.Locator("#user").TextContentAsync(), await bobPage.Locator("#user").TextContentAsync());
        await SendAsync(alicePage);
        await Expect(Card(alicePage, "call_a")).ToHaveAttributeAsync("data-state", "running");
        string id = (await alicePage.Locator("body").GetAttributeAsync("data-conversation-id"))!;
        string conversation = new Uri(server.Address, $"/chat/conversations/{id}").ToString();

        // Bob's page, pointed at Alice's conversation, is told it is not found and shows nothing of it.
        await bobPage.GotoAsync(new Uri(server.Address, $"/?c={id}").ToString());
        await Expect(bobPage.Locator("#notice")).ToContainTextAsync("conversation_not_found");
        await Expect(bobPage.Locator("body")).ToHaveAttributeAsync("data-conversation-id", string.Empty);
        await Expect(bobPage.Locator(".message")).ToHaveCountAsync(0);
        await Screenshots.SaveAsync(bobPage, nameof(TwoBrowserContexts_AreTwoUsers_NeitherSeesNorActsOnTheOthers) + "-bob", output);

        // Nor can Bob's browser read, stream or act on it: every route answers 404, as for an unknown id.
        Assert.Equal(404, await FetchStatusAsync(bobPage, "GET", conversation));
        Assert.Equal(404, await FetchStatusAsync(bobPage, "GET", conversation + "/events"));
        Assert.Equal(404, await FetchStatusAsync(bobPage, "POST", conversation + "/cancel"));
        Assert.Equal(404, await FetchStatusAsync(bobPage, "POST", conversation + "/calls/call_a/cancel"));
        Assert.Equal(404, await FetchStatusAsync(bobPage, "POST", conversation + "/calls/call_a/approve"));
        Assert.Equal(404, await FetchStatusAsync(bobPage, "POST", conversation + "/messages", """{"message": "hi"}"""));

        // A browser that never opened the page has no user at all.
        await using IBrowserContext stranger = await browser.Browser.NewContextAsync();
        IAPIResponse anonymous = await stranger.APIRequest.GetAsync(conversation);
        Assert.Equal(401, anonymous.Status);

        // Alice's conversation went on untouched.
        await Expect(Card(alicePage, "call_a")).ToHaveAttributeAsync("data-state", "running");
        tool.Open();
        await Expect(Card(alicePage, "call_a")).ToHaveAttributeAsync("data-state", "done");
        await Expect(AssistantText(alicePage, 2)).ToHaveTextAsync("Done.");
        await Screenshots.SaveAsync(alicePage, nameof(TwoBrowserContexts_AreTwoUsers_NeitherSeesNorActsOnTheOthers) + "-alice", output);
    }

    [Fact]
    public async Task LongTask_FuturesMode_ProgressBarThenTheDependentCallRuns()
    {
        await using ChatUiServer server = await ChatUiServer.StartAsync(SampleScenarios.LongTask());
        await using IBrowserContext context = await browser.Browser.NewContextAsync();
        IPage page = await OpenAsync(context, server);
        await page.Locator("#mode").SelectOptionAsync("futures");

        await SendAsync(page);
        ILocator build = Card(page, "call_t1_0");
        ILocator summary = Card(page, "call_t2_0");

        // The model went on while the build runs: the summary waits for the build's future, the build shows progress.
        await Expect(summary).ToHaveAttributeAsync("data-state", "waiting");
        await Expect(build).ToHaveAttributeAsync("data-state", "running");
        await Expect(build.Locator("progress.call-progress")).ToBeVisibleAsync();
        await Expect(build.Locator(".call-status")).ToContainTextAsync("of 10");
        await Expect(summary.Locator("button[data-action=cancel]")).ToBeVisibleAsync();
        await Screenshots.SaveAsync(page, nameof(LongTask_FuturesMode_ProgressBarThenTheDependentCallRuns) + "-running", output);

        await Expect(build).ToHaveAttributeAsync("data-state", "done");
        await Expect(build.Locator("progress.call-progress")).ToHaveCountAsync(0);
        await Expect(summary).ToHaveAttributeAsync("data-state", "done");
        await Expect(summary.Locator(".call-result")).ToContainTextAsync("Summary: Q3 report");
        await Expect(page.Locator("#status")).ToHaveTextAsync("idle");
        await Screenshots.SaveAsync(page, nameof(LongTask_FuturesMode_ProgressBarThenTheDependentCallRuns), output);
    }

    [Theory]
    [InlineData("""{"message": "hi", "settings": {"mode": "warp"}}""", "warp")]
    [InlineData("""{"message": "hi", "settings": {"scenario": "nope"}}""", "nope")]
    public async Task CreateConversation_UnknownModeOrScenario_400InvalidSettingsNothingCreated(string body, string named)
    {
        // One conversation per user: had the refused request created one, the valid one after it would get 429.
        await using ChatUiServer server = await ChatUiServer.StartAsync([], o => o.ConfigureChat = chat => chat.MaxConversationsPerOwner = 1);
        await using IBrowserContext context = await browser.Browser.NewContextAsync();
        IPage page = await OpenAsync(context, server);
        string conversations = new Uri(server.Address, "/chat/conversations").ToString();

        IAPIResponse response = await context.APIRequest.PostAsync(conversations, new() { Data = body, Headers = new Dictionary<string, string> { ["Content-Type"] = "application/json" } });

        Assert.Equal(400, response.Status);
        Assert.Equal("application/problem+json", response.Headers["content-type"].Split(';')[0]);
        System.Text.Json.JsonElement problem = (await response.JsonAsync())!.Value;
        Assert.Equal("invalid_settings", problem.GetProperty("code").GetString());
        Assert.Contains(named, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // Nothing was created: a valid request is still this user's first conversation.
        IAPIResponse created = await context.APIRequest.PostAsync(conversations, new() { Data = """{"message": "hi", "settings": {"mode": "await", "scenario": "approvals"}}""", Headers = new Dictionary<string, string> { ["Content-Type"] = "application/json" } });
        Assert.Equal(201, created.Status);
    }

    [Fact]
    public async Task Endpoint_RealOpenAIWire_TheModelsCallsRunOnBuiltInTools()
    {
        await using OpenAITestServer model = await OpenAITestServer.StartAsync(CancellationToken.None);
        model.Enqueue(SseHttpResponse.Of(
            Chunks.Role(),
            Chunks.Text("Let me compute that."),
            Chunks.CallStart(0, "call_calc", "calculate", """{"expression": "6 * 7"}"""),
            Chunks.Finish("tool_calls")));
        model.Enqueue(SseHttpResponse.Of(Chunks.Answer("6 * 7 is 42.")));
        await using ChatUiServer server = await ChatUiServer.StartWithArgumentsAsync(
            ["--endpoint", model.Endpoint.ToString(), "--model", "test-model"],
            o => o.DefaultScenario = "model");
        await using IBrowserContext context = await browser.Browser.NewContextAsync();
        IPage page = await OpenAsync(context, server);
        await Expect(page.Locator("#scenario")).ToHaveValueAsync("model");
        await page.Locator("#message").FillAsync("What is 6 * 7?");

        await SendAsync(page);

        await Expect(Card(page, "call_calc")).ToHaveAttributeAsync("data-state", "done");
        await Expect(Card(page, "call_calc").Locator(".call-name")).ToHaveTextAsync("calculate");
        await Expect(Card(page, "call_calc").Locator(".call-result")).ToHaveTextAsync("42");
        await Expect(AssistantText(page, 2)).ToHaveTextAsync("6 * 7 is 42.");
        await Expect(page.Locator("#status")).ToHaveTextAsync("idle");
        Assert.Equal(2, model.Requests.Count);
        Assert.Contains("What is 6 * 7?", model.Requests[0].Body.GetRawText(), StringComparison.Ordinal);
        await Screenshots.SaveAsync(page, nameof(Endpoint_RealOpenAIWire_TheModelsCallsRunOnBuiltInTools), output);
    }

    // Text, call_a, more text, then the model is held at the text gate and the tool at the tool gate.
    private static ChatScenario OneHeldCall(string name, string before, string held, Gate text, string after, string answer, Gate tool) =>
        Scenario(name, turn => turn == 1
            ? [Text(before), Call("call_a", "lookup", """{"q": "a"}"""), Text(held), Wait(text.Opened), Text(after)]
            : [Text(answer)],
            HeldLookup(tool));

    private static Func<string, CancellationToken, Task<string>> HeldLookup(Gate tool) => async (q, ct) =>
    {
        await tool.Opened.WaitAsync(ct);
        return $"result for {q}";
    };

    private static ChatScenario Scenario(string name, Func<int, IReadOnlyList<Step>> script, Func<string, CancellationToken, Task<string>> lookup) => new()
    {
        Name = name,
        Title = $"test: {name}",
        Prompt = "Look it up.",
        CreateBuilder = turn => ToolPipeline.CreateBuilder(new GatedChatClient(script))
            .WithTimeProvider(turn.TimeProvider)
            .WithStrategy(turn.Mode)
            .AddTool(new ToolDescriptor(AIFunctionFactory.Create(lookup, "lookup", "Looks a query up."), ToolEffects.ReadOnly)),
    };

    private static async Task<IPage> OpenAsync(IBrowserContext context, ChatUiServer server)
    {
        IPage page = await context.NewPageAsync();
        await page.GotoAsync(server.Address.ToString());
        await Expect(page.Locator("#scenario option")).Not.ToHaveCountAsync(0);
        await Expect(page.Locator("#status")).ToHaveTextAsync("idle");
        return page;
    }

    private static async Task SendAsync(IPage page)
    {
        await page.Locator("#send").ClickAsync();
        await Expect(page.Locator("body")).Not.ToHaveAttributeAsync("data-conversation-id", string.Empty);
    }

    private static ILocator Card(IPage page, string callId) => page.Locator($".call-card[data-call-id='{callId}']");

    private static ILocator AssistantText(IPage page, int turn) => page.Locator($".message[data-role=assistant][data-turn='{turn}'] .message-text");

    private static Task<int> FetchStatusAsync(IPage page, string method, string url, string? body = null) =>
        page.EvaluateAsync<int>(
            "async ([method, url, body]) => (await fetch(url, { method, headers: body ? { 'Content-Type': 'application/json' } : {}, body: body || undefined })).status",
            new object?[] { method, url, body });
}
