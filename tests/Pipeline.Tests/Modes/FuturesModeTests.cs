using System.Text.Json;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;
using ToolFlow.Providers.Scripted;
using ToolFlow.Testing;
using Xunit.Abstractions;

namespace ToolFlow.Pipeline.Tests;

/// <summary>Futures mode (AsyncFC) against await mode, on the manual clock.</summary>
public sealed class FuturesModeTests(ITestOutputHelper output)
{
    private readonly ManualTimeProvider _clock = new();
    private readonly ManualTaskScheduler _scheduler = new();

    private static bool HoldsFuture(IReadOnlyList<ChatMessage> messages, string callId) =>
        messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Any(r => r.CallId == callId && r.Result is string s && s.Contains("\"future\"", StringComparison.Ordinal));

    private static string? ResultOf(IReadOnlyList<ChatMessage> messages, string callId) =>
        messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Where(r => r.CallId == callId).Select(r => r.Result?.ToString()).LastOrDefault();

    private (List<ToolPipelineEvent> Events, List<IReadOnlyList<ChatMessage>> Requests) Run(ToolPipelineMode mode, Func<IReadOnlyList<ChatMessage>, ScriptedResponse> script)
    {
        var requests = new List<IReadOnlyList<ChatMessage>>();
        var model = new ScriptedChatClient(
            messages =>
            {
                requests.Add(messages);
                return script(messages);
            },
            new ScriptedModelOptions { TimeProvider = _clock, TimeToFirstToken = TimeSpan.FromMilliseconds(200), TokensPerSecond = 50 });
        var tools = new TestTools(_clock);
        ToolPipeline pipeline = ToolPipeline.CreateBuilder(model)
            .WithTimeProvider(_clock)
            .Configure(o => o.TaskScheduler = _scheduler)
            .WithMode(mode)
            .AddTool(tools.Computing("report", TimeSpan.FromMilliseconds(2000), a => $"REPORT-{a["topic"]}"), ToolEffects.ReadOnly)
            .AddTool(tools.Computing("lookup", TimeSpan.FromMilliseconds(100), a => $"item {a["id"]}"), ToolEffects.ReadOnly)
            .AddTool(tools.Computing("summarize", TimeSpan.FromMilliseconds(100), a => $"summary of {a["report"]}"), ToolEffects.ReadOnly)
            .Build();
        var events = new List<ToolPipelineEvent>();
        TimeSpan start = _clock.Elapsed;
        VirtualTime.Run(_clock, _scheduler, async () =>
        {
            await foreach (ToolPipelineEvent e in pipeline.RunAsync([new ChatMessage(ChatRole.User, "Prepare the Q3 review.")]))
            {
                events.Add(e with { Timestamp = e.Timestamp - start });
            }
        });
        return (events, requests);
    }

    private double Ms(ToolPipelineEvent e) => (e.Timestamp - _clock.Epoch).TotalMilliseconds;

    // Turn 1 starts a long report and a quick lookup; turn 2 does more independent lookups; turn 3 summarizes the
    // report by passing its future; turn 4 waits for the summary if it is still a future, then answers.
    private static ScriptedResponse Overlapping(IReadOnlyList<ChatMessage> messages) => ScriptedChatClient.TurnOf(messages) switch
    {
        1 => new ScriptedResponse().Text("Starting the report.").Call("report", """{"topic": "q3"}""").Call("lookup", """{"id": 7}""").Text(" While it runs I will look at the other items you mentioned."),
        2 => new ScriptedResponse().Text("Meanwhile, two more items.").Call("lookup", """{"id": 8}""").Call("lookup", """{"id": 9}"""),
        3 => new ScriptedResponse().Text("Now the summary.").Call("summarize", """{"report": {"$future": "call_t1_0"}}"""),
        _ when HoldsFuture(messages, "call_t3_0") && ResultOf(messages, "call_t4_0") is null =>
            new ScriptedResponse().Call(ToolFuture.AwaitToolName, """{"future": {"$future": "call_t3_0"}}"""),
        _ => new ScriptedResponse().Text($"Done: {ResultOf(messages, "call_t3_0")}."),
    };

    [Fact]
    public void RunAsync_FuturesMode_NextTurnStartsAtOnceFutureArgumentWaitsAndTheAnswerSeesRealValues()
    {
        (List<ToolPipelineEvent> events, List<IReadOnlyList<ChatMessage>> requests) = Run(ToolPipelineMode.Futures, Overlapping);

        // Turn 2 starts the instant turn 1's response ends, with the report still a future and the lookup's value in.
        ResponseCompleted first = events.OfType<ResponseCompleted>().First(r => r.Turn == 1);
        Assert.Equal(Ms(first), Ms(events.OfType<TurnStarted>().Single(t => t.Turn == 2)));
        Assert.True(HoldsFuture(requests[1], "call_t1_0"));
        Assert.Equal("item 7", ResultOf(requests[1], "call_t1_1"));

        // The summarize call waits for the report only, and starts the instant it completes.
        ToolCallCompleted report = events.OfType<ToolCallCompleted>().Single(c => c.Call.Name == "report");
        ToolCallStarted summarize = events.OfType<ToolCallStarted>().Single(s => s.Call.Name == "summarize");
        Assert.Equal(Ms(report), Ms(summarize));
        Assert.Equal("REPORT-q3", JsonSerializer.SerializeToElement(summarize.Call.Arguments!["report"]).GetString());

        // By the final turn the placeholder has become the value.
        Assert.False(HoldsFuture(requests[^1], "call_t1_0"));
        Assert.Equal("REPORT-q3", ResultOf(requests[^1], "call_t1_0"));
        RunCompleted run = Assert.IsType<RunCompleted>(events[^1]);
        Assert.Equal("Done: summary of REPORT-q3.", run.FinalText);
        Assert.Contains(events.OfType<FutureResolved>(), f => f.Call.CallId == "call_t1_0");
    }

    [Fact]
    public void RunAsync_IndependentWorkWhileAToolRuns_FuturesModeBeatsAwaitMode()
    {
        double awaitMs = Ms(Run(ToolPipelineMode.Await, Overlapping).Events[^1]);
        double futuresMs = Ms(Run(ToolPipelineMode.Futures, Overlapping).Events[^1]);

        output.WriteLine($"overlapping work: await {awaitMs} ms, futures {futuresMs} ms, {awaitMs / futuresMs:F2}x");
        Assert.True(futuresMs < awaitMs, $"futures {futuresMs} ms should beat await {awaitMs} ms");
    }

    [Fact]
    public void RunAsync_NothingToDoButWait_FuturesModeCannotBeatAwaitMode()
    {
        // The model needs the report before it can say anything else: with a future it can only wait for it.
        static ScriptedResponse NeedsReport(IReadOnlyList<ChatMessage> messages)
        {
            int turn = ScriptedChatClient.TurnOf(messages);
            if (turn == 1)
            {
                return new ScriptedResponse().Text("Starting the report.").Call("report", """{"topic": "q3"}""");
            }

            return HoldsFuture(messages, "call_t1_0") && ResultOf(messages, "call_t2_0") is null
                ? new ScriptedResponse().Call(ToolFuture.AwaitToolName, """{"future": {"$future": "call_t1_0"}}""")
                : new ScriptedResponse().Text("The report is in.");
        }

        (List<ToolPipelineEvent> awaitEvents, _) = Run(ToolPipelineMode.Await, NeedsReport);
        (List<ToolPipelineEvent> futuresEvents, List<IReadOnlyList<ChatMessage>> futuresRequests) = Run(ToolPipelineMode.Futures, NeedsReport);
        double awaitMs = Ms(awaitEvents[^1]);
        double futuresMs = Ms(futuresEvents[^1]);

        output.WriteLine($"nothing to overlap: await {awaitMs} ms, futures {futuresMs} ms, {awaitMs / futuresMs:F2}x");
        Assert.True(futuresMs >= awaitMs, $"futures {futuresMs} ms cannot beat await {awaitMs} ms here");

        // await_future handed the model the real value mid-run.
        ToolCallCompleted awaited = futuresEvents.OfType<ToolCallCompleted>().Single(c => c.Call.Name == ToolFuture.AwaitToolName);
        Assert.Equal("REPORT-q3", JsonSerializer.SerializeToElement(awaited.Result).GetString());
        Assert.Equal("The report is in.", Assert.IsType<RunCompleted>(futuresEvents[^1]).FinalText);
        Assert.Equal(3, futuresRequests.Count);
        Assert.DoesNotContain(futuresEvents.OfType<FutureResolved>(), f => f.Call.Name == ToolFuture.AwaitToolName);
    }

    [Fact]
    public void RunAsync_ModelAnswersWhileAFutureIsPending_AnswerIsNotFinalUntilTheValueIsIn()
    {
        static ScriptedResponse AnswersEarly(IReadOnlyList<ChatMessage> messages) => ScriptedChatClient.TurnOf(messages) switch
        {
            1 => new ScriptedResponse().Call("report", """{"topic": "q3"}"""),
            2 => new ScriptedResponse().Text("I'll get back to you."),
            _ => new ScriptedResponse().Text($"Final: {ResultOf(messages, "call_t1_0")}"),
        };

        (List<ToolPipelineEvent> events, List<IReadOnlyList<ChatMessage>> requests) = Run(ToolPipelineMode.Futures, AnswersEarly);

        // Turn 3 starts the instant the report resolves, and the final answer stands on its value.
        FutureResolved resolved = Assert.Single(events.OfType<FutureResolved>());
        Assert.Equal(Ms(resolved), Ms(events.OfType<TurnStarted>().Single(t => t.Turn == 3)));
        Assert.Equal("REPORT-q3", ResultOf(requests[2], "call_t1_0"));
        Assert.Equal("Final: REPORT-q3", Assert.IsType<RunCompleted>(events[^1]).FinalText);
    }
}
