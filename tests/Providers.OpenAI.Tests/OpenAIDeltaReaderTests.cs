using Microsoft.Extensions.AI;
using ToolFlow.Blocks;
using ToolFlow.Pipeline;
using ToolFlow.StreamParsers;

namespace ToolFlow.Providers.OpenAI.Tests;

/// <summary>
/// <see cref="OpenAIDeltaReader"/> behind <c>Microsoft.Extensions.AI.OpenAI</c>'s real clients (chat completions and
/// Responses) and ToolFlow's own <see cref="OpenAIChatClient"/>, over real HTTP: the server holds the rest of the
/// body after each call closes until that call's tool has started.
/// </summary>
public sealed class OpenAIDeltaReaderTests
{
    [Fact]
    public Task RunAsync_MeaiChatClientWithReader_EachCallStartsMidStreamAndRunsOnce() => TestGuard.RunAsync(async ct =>
    {
        await using OpenAITestServer server = await OpenAITestServer.StartAsync(ct);
        var lookup = new LookupTool();
        var gates = new Dictionary<string, int>();
        lookup.Response = server.Enqueue(ThreeLookups.Chat(lookup, gates));
        SseHttpResponse second = server.Enqueue(SseHttpResponse.Of(Chunks.Answer("Done.")));
        using IChatClient client = MeaiClients.Chat(server);

        RunCompleted completed = await RunAsync(client, lookup, withReader: true, ct);

        AssertStartedBeforeTheirGates(lookup, gates);
        AssertEachRanOnce(lookup, completed);
        MeaiClients.AssertChatHistory(await second.Received, ThreeLookups.CallIds);
    });

    [Fact]
    public Task RunAsync_MeaiChatClientWithoutReader_CallsStartAfterTheLastTextAndRunOnce() => TestGuard.RunAsync(async ct =>
    {
        await using OpenAITestServer server = await OpenAITestServer.StartAsync(ct);
        var lookup = new LookupTool();
        server.Enqueue(ThreeLookups.Chat(waitFor: null));
        SseHttpResponse second = server.Enqueue(SseHttpResponse.Of(Chunks.Answer("Done.")));
        using IChatClient client = MeaiClients.Chat(server);

        var run = PipelineRun.Start(Pipeline(client, lookup, withReader: false), "Look up a, b and c.", ct);
        RunCompleted completed = await run.CompletionAsync(ct);

        // The client gives the calls whole only after the stream's last chunk: every call is found after the text.
        int text = IndexOf<TextDelta>(run.Events, t => t.Text == ThreeLookups.Text);
        Assert.All(run.Events.OfType<ToolCallStarted>(), s => Assert.True(IndexOf<ToolCallStarted>(run.Events, e => e == s) > text));
        Assert.True(IndexOf<ToolCallDetected>(run.Events, _ => true) > text);
        AssertEachRanOnce(lookup, completed);
        MeaiClients.AssertChatHistory(await second.Received, ThreeLookups.CallIds);
    });

    [Fact]
    public Task RunAsync_MeaiResponsesClientWithReader_EachCallStartsOnItsClosingDeltaAndRunsOnce() => TestGuard.RunAsync(async ct =>
    {
        await using OpenAITestServer server = await OpenAITestServer.StartAsync(ct);
        var lookup = new LookupTool();
        var gates = new Dictionary<string, int>();

        // Each wait sits before the call's arguments.done and output_item.done: only the deltas can start it.
        lookup.Response = server.Enqueue(ThreeLookups.Responses(lookup, gates));
        SseHttpResponse second = server.Enqueue(new SseHttpResponse().Raw(new ResponsesEvents("resp_2").Answer("Done.")));
        using IChatClient client = MeaiClients.Responses(server);

        RunCompleted completed = await RunAsync(client, lookup, withReader: true, ct);

        AssertStartedBeforeTheirGates(lookup, gates);
        AssertEachRanOnce(lookup, completed);
        Assert.Equal(ThreeLookups.Text, completed.Messages[1].Text);
        MeaiClients.AssertResponsesHistory(await second.Received, ThreeLookups.CallIds);
    });

    [Fact]
    public Task RunAsync_MeaiResponsesClientWithoutReader_EachCallStartsAtItsOutputItemDoneAndRunsOnce() => TestGuard.RunAsync(async ct =>
    {
        await using OpenAITestServer server = await OpenAITestServer.StartAsync(ct);
        var lookup = new LookupTool();
        var gates = new Dictionary<string, int>();

        // The Responses client yields each whole call when its output item is done, before the response ends.
        lookup.Response = server.Enqueue(ThreeLookups.Responses(lookup, gates, afterItemDone: true));
        SseHttpResponse second = server.Enqueue(new SseHttpResponse().Raw(new ResponsesEvents("resp_2").Answer("Done.")));
        using IChatClient client = MeaiClients.Responses(server);

        RunCompleted completed = await RunAsync(client, lookup, withReader: false, ct);

        AssertStartedBeforeTheirGates(lookup, gates);
        AssertEachRanOnce(lookup, completed);
        MeaiClients.AssertResponsesHistory(await second.Received, ThreeLookups.CallIds);
    });

    [Fact]
    public Task RunAsync_ToolFlowClientWithReader_ReadsEachFragmentOnceAndRunsEachCallOnce() => TestGuard.RunAsync(async ct =>
    {
        await using OpenAITestServer server = await OpenAITestServer.StartAsync(ct);
        var lookup = new LookupTool();
        var gates = new Dictionary<string, int>();
        lookup.Response = server.Enqueue(ThreeLookups.Chat(lookup, gates));
        SseHttpResponse second = server.Enqueue(SseHttpResponse.Of(Chunks.Answer("Done.")));
        using OpenAIChatClient client = OpenAIChatClientTests.Client(server);

        var run = PipelineRun.Start(Pipeline(client, lookup, withReader: true), "Look up a, b and c.", ct);
        RunCompleted completed = await run.CompletionAsync(ct);

        // The raw update and the client's own fragment contents carry the same pieces; each is read once.
        Assert.Equal(
            ["{\"q\":", " \"a\"", "}", "{\"q\":", " \"b\"", "}", "{\"q\":", " \"c\"", "}"],
            run.Events.OfType<ToolArgumentsDelta>().Select(d => d.Fragment));
        Assert.Empty(run.Events.OfType<DiagnosticReported>());
        AssertStartedBeforeTheirGates(lookup, gates);
        AssertEachRanOnce(lookup, completed);
        MeaiClients.AssertChatHistory(await second.Received, ThreeLookups.CallIds);
    });

    [Theory]
    [InlineData(null)]
    [InlineData(7)]
    public Task RunAsync_RecordedResponsesStream_RunsTheCallOnceWithItsArguments(int? pieceSize) => TestGuard.RunAsync(async ct =>
    {
        await using OpenAITestServer server = await OpenAITestServer.StartAsync(ct);
        server.Enqueue(SseHttpResponse.Replay(RecordedStreams.Body("openai_responses_function_call.sse.txt"), pieceSize));
        SseHttpResponse second = server.Enqueue(new SseHttpResponse().Raw(new ResponsesEvents("resp_2").Answer("Done.")));
        var locations = new List<string>();
        AIFunction weather = AIFunctionFactory.Create(
            (string location) =>
            {
                lock (locations)
                {
                    locations.Add(location);
                }

                return "14 C";
            },
            "get_weather_at_location");
        using IChatClient client = MeaiClients.Responses(server);
        ToolPipeline pipeline = ToolPipeline.CreateBuilder(client).AddTool(weather, ToolEffects.ReadOnly).AddDeltaReader(OpenAIDeltaReader.Instance).Build();

        var run = PipelineRun.Start(pipeline, "Weather in San Francisco?", ct);
        RunCompleted completed = await run.CompletionAsync(ct);

        Assert.Equal(RunCompletionReason.FinalAnswer, completed.Reason);
        Assert.Equal(["San Francisco, CA"], locations);
        Assert.Equal(
            ["{\"", "location", "\":\"", "San", " Francisco", ",", " CA", "\"}"],
            run.Events.OfType<ToolArgumentsDelta>().Select(d => d.Fragment));
        Conversation.AssertConsistent(completed.Messages);
        MeaiClients.AssertCallsSentBack(await second.Received, ["call_0UFGPwrziw5rbinYp7rthrTb"]);
    });

    [Fact]
    public Task RunAsync_ResponsesCallWithoutArgumentDeltas_IsClosedByItsWholeCallAndRunsOnce() => TestGuard.RunAsync(async ct =>
    {
        await using OpenAITestServer server = await OpenAITestServer.StartAsync(ct);
        var events = new ResponsesEvents();
        server.Enqueue(new SseHttpResponse()
            .Raw(events.Created())
            .Raw(events.CallAdded(0, "call_now", "now"))
            .Raw(events.ArgumentsDone(0, "call_now", "{}"))
            .Raw(events.CallDone(0, "call_now", "now", "{}"))
            .Raw(events.Completed()));
        SseHttpResponse second = server.Enqueue(new SseHttpResponse().Raw(new ResponsesEvents("resp_2").Answer("Done.")));
        int runs = 0;
        AIFunction now = AIFunctionFactory.Create(() => { Interlocked.Increment(ref runs); return "09:30"; }, "now");
        using IChatClient client = MeaiClients.Responses(server);
        ToolPipeline pipeline = ToolPipeline.CreateBuilder(client).AddTool(now, ToolEffects.ReadOnly).AddDeltaReader(OpenAIDeltaReader.Instance).Build();

        RunCompleted completed = await PipelineRun.Start(pipeline, "What time is it?", ct).CompletionAsync(ct);

        Assert.Equal(RunCompletionReason.FinalAnswer, completed.Reason);
        Assert.Equal(1, runs);
        Conversation.AssertConsistent(completed.Messages);
        MeaiClients.AssertCallsSentBack(await second.Received, ["call_now"]);
    });

    [Fact]
    public void TryRead_WhatItKnows_ReadsFragmentsOrNoneAndRefusesTheRest()
    {
        var deltas = new List<ToolCallDelta>();

        Assert.False(OpenAIDeltaReader.Instance.TryRead("not an SDK update", deltas));
        Assert.False(OpenAIDeltaReader.Instance.TryRead(new ChatResponseUpdate(), deltas));
        Assert.Empty(deltas);
        Assert.Throws<ArgumentNullException>(() => OpenAIDeltaReader.Instance.TryRead(null!, deltas));
        Assert.Throws<ArgumentNullException>(() => OpenAIDeltaReader.Instance.TryRead("x", null!));
    }

    internal static ToolPipeline Pipeline(IChatClient client, LookupTool lookup, bool withReader)
    {
        ToolPipelineBuilder builder = ToolPipeline.CreateBuilder(client).AddTool(lookup.Function, ToolEffects.ReadOnly);
        return withReader ? builder.AddDeltaReader(OpenAIDeltaReader.Instance).Build() : builder.Build();
    }

    internal static void AssertStartedBeforeTheirGates(LookupTool lookup, Dictionary<string, int> gates)
    {
        Assert.Equal(ThreeLookups.Queries, gates.Keys);
        foreach ((string q, int gate) in gates)
        {
            (int sent, bool ended) = lookup.ServerAtStart[q];
            Assert.False(ended, $"lookup({q}) started after the response ended.");
            Assert.True(sent <= gate, $"lookup({q}) started after the server passed its gate ({sent} > {gate} steps).");
        }
    }

    internal static void AssertEachRanOnce(LookupTool lookup, RunCompleted completed)
    {
        Assert.Equal(RunCompletionReason.FinalAnswer, completed.Reason);
        Assert.Equal("Done.", completed.FinalText);
        Assert.Equal(ThreeLookups.Queries.ToDictionary(q => q, _ => 1), lookup.Runs.OrderBy(r => r.Key).ToDictionary());
        Conversation.AssertConsistent(completed.Messages);
        Assert.Equal(ThreeLookups.CallIds, completed.Messages[1].Contents.OfType<FunctionCallContent>().Select(c => c.CallId));
    }

    private static Task<RunCompleted> RunAsync(IChatClient client, LookupTool lookup, bool withReader, CancellationToken cancellationToken) =>
        PipelineRun.Start(Pipeline(client, lookup, withReader), "Look up a, b and c.", cancellationToken).CompletionAsync(cancellationToken);

    private static int IndexOf<T>(IReadOnlyList<ToolPipelineEvent> events, Func<T, bool> predicate)
        where T : ToolPipelineEvent
    {
        for (int i = 0; i < events.Count; i++)
        {
            if (events[i] is T match && predicate(match))
            {
                return i;
            }
        }

        return -1;
    }
}
