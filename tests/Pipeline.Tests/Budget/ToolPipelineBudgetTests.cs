using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;
using ToolFlow.Providers.Scripted;
using ToolFlow.Testing;
using ToolFlow.Tokenizers;

namespace ToolFlow.Pipeline.Tests;

/// <summary>Result budgets and the context window through a whole pipeline, on the manual clock.</summary>
public sealed class ToolPipelineBudgetTests
{
    private static readonly string s_log = LargeResults.Log;

    private readonly ManualTimeProvider _clock = new();
    private readonly ManualTaskScheduler _scheduler = new();
    private readonly InMemoryToolCallLedger _ledger = new();
    private readonly List<IReadOnlyList<ChatMessage>> _requests = [];

    private static ITokenCounter Counter => TiktokenCounter.O200kBase;

    private ScriptedChatClient Model(Func<IReadOnlyList<ChatMessage>, ScriptedResponse> script) => new(
        messages =>
        {
            _requests.Add(messages);
            return script(messages);
        },
        new ScriptedModelOptions { TimeProvider = _clock, TimeToFirstToken = TimeSpan.FromMilliseconds(100), TokensPerSecond = 50 });

    private ToolPipelineBuilder Builder(IChatClient model) =>
        ToolPipeline.CreateBuilder(model).WithTimeProvider(_clock).Configure(o => o.TaskScheduler = _scheduler);

    private List<ToolPipelineEvent> Run(ToolPipeline pipeline, string runId = "r1")
    {
        var events = new List<ToolPipelineEvent>();
        VirtualTime.Run(_clock, _scheduler, async () =>
        {
            await using ToolPipelineRun run = pipeline.Start([new ChatMessage(ChatRole.User, "How many characters has the sensor log?")], new ToolPipelineRunOptions { RunId = runId });
            await foreach (ToolPipelineEvent e in run.Events)
            {
                events.Add(e);
            }
        });
        return events;
    }

    private LedgerRun Read(string runId) => _ledger.ReadRunAsync(runId, CancellationToken.None).AsTask().GetAwaiter().GetResult()!;

    private static FunctionResultContent ResultIn(IReadOnlyList<ChatMessage> messages, string callId) =>
        messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Single(r => r.CallId == callId);

    [Fact]
    public void RunAsync_ResultOver4kBudget_ModelSeesTheCutLaterCallReadsTheWholeAndTheLedgerKeepsIt()
    {
        string? received = null;
        ToolPipeline pipeline = Builder(Model(m => ScriptedChatClient.TurnOf(m) switch
            {
                1 => new ScriptedResponse().Call("read_log", "{}"),
                2 => new ScriptedResponse().Call("count_chars", """{"text": {"$future": "call_t1_0"}}"""),
                _ => new ScriptedResponse().Text("Done."),
            }))
            .AddTool(AIFunctionFactory.Create(() => s_log, "read_log"), ToolEffects.ReadOnly)
            .AddTool(AIFunctionFactory.Create((string text) => (received = text).Length, "count_chars"), ToolEffects.ReadOnly)
            .WithResultBudget(4_000)
            .WithLedger(_ledger)
            .Build();

        List<ToolPipelineEvent> events = Run(pipeline);

        // The event says what was cut; the completion keeps the whole result and what the model sees.
        ToolResultTrimmed trimmed = Assert.Single(events.OfType<ToolResultTrimmed>());
        Assert.Equal(("call_t1_0", 202_801, 4_000, "head-and-tail", ToolResultTrimScope.Tool), (trimmed.Call.CallId, trimmed.TokensBefore, trimmed.BudgetTokens, trimmed.Strategy, trimmed.Scope));
        ToolCallCompleted read = events.OfType<ToolCallCompleted>().Single(c => c.Call.Name == "read_log");
        Assert.True(events.IndexOf(trimmed) < events.IndexOf(read));
        Assert.Equal(s_log, ((JsonElement)read.Result!).GetString());

        // The model's second request holds the cut, which fits and says how to reach the whole.
        string seen = (string)ResultIn(_requests[1], "call_t1_0").Result!;
        Assert.Equal(read.ResultForModel, seen);
        Assert.Equal(trimmed.TokensAfter, Counter.CountTokens(seen));
        Assert.True(trimmed.TokensAfter <= 4_000);
        Assert.Contains(
            "\n[ToolFlow cut this result from 202,801 tokens to fit its budget of 4,000: kept the first 6,460 and the last 6,469 characters and cut the 656,507 characters between them here. The full result is kept: pass {\"$future\": \"call_t1_0\"} as an argument to another tool to give it the whole result.]\n",
            seen,
            StringComparison.Ordinal);

        // The later call's reference read the whole result.
        Assert.Equal(s_log, received);
        Assert.Equal(s_log.Length.ToString(CultureInfo.InvariantCulture), ResultIn(_requests[2], "call_t2_0").Result?.ToString());
        Assert.Equal(RunCompletionReason.FinalAnswer, Assert.IsType<RunCompleted>(events[^1]).Reason);

        // The ledger keeps the whole result, and the turn as the model saw it (what a resume replays).
        LedgerRun run = Read("r1");
        ToolCallLedgerEntry entry = run.Calls.Single(c => c.CallId == "call_t1_0");
        Assert.Equal(s_log, JsonDocument.Parse(entry.ResultJson!).RootElement.GetString());
        List<ChatMessage> turn1 = JsonSerializer.Deserialize<List<ChatMessage>>(run.Turns[0].MessagesJson!, AIJsonUtilities.DefaultOptions)!;
        Assert.Equal(seen, ((JsonElement)ResultIn(turn1, "call_t1_0").Result!).GetString());
    }

    [Fact]
    public void RunAsync_SummaryFromASecondModel_TheModelSeesTheSummaryAndTheNote()
    {
        var summarizer = new ScriptedChatClient(
            [new ScriptedResponse().Text("12,000 sensor lines; 924 warnings; all readings within range.")],
            new ScriptedModelOptions { TimeProvider = _clock, TimeToFirstToken = TimeSpan.FromMilliseconds(300), TokensPerSecond = 50 });
        ToolResultTrimmer summary = ToolResultTrimmer.FromDelegate("summary", async (request, ct) =>
            (await summarizer.GetResponseAsync([new ChatMessage(ChatRole.User, $"Summarize in {request.BudgetTokens} tokens:\n{request.Text[..2_000]}")], cancellationToken: ct).ConfigureAwait(false)).Text);
        ToolPipeline pipeline = Builder(Model(m => ScriptedChatClient.TurnOf(m) == 1 ? new ScriptedResponse().Call("read_log", "{}") : new ScriptedResponse().Text("Done.")))
            .AddTool(AIFunctionFactory.Create(() => s_log, "read_log"), ToolEffects.ReadOnly)
            .WithResultBudget(4_000, summary)
            .Build();

        List<ToolPipelineEvent> events = Run(pipeline);

        ToolResultTrimmed trimmed = Assert.Single(events.OfType<ToolResultTrimmed>());
        Assert.Equal("summary", trimmed.Strategy);
        Assert.Equal(
            "12,000 sensor lines; 924 warnings; all readings within range.\n[ToolFlow replaced this result of 202,801 tokens with the text above, by 'summary', to fit its budget of 4,000 tokens. The full result is kept: pass {\"$future\": \"call_t1_0\"} as an argument to another tool to give it the whole result.]",
            ResultIn(_requests[1], "call_t1_0").Result);

        // The summary took the second model's time on the manual clock: the cut came at least its first token later
        // than the tool's result (the completion keeps the tool's own time; it is numbered after the cut).
        ToolCallCompleted read = Assert.Single(events.OfType<ToolCallCompleted>());
        Assert.True(trimmed.Timestamp - read.Timestamp >= TimeSpan.FromMilliseconds(300));
        Assert.True(events.IndexOf(trimmed) < events.IndexOf(read));
    }

    [Fact]
    public void RunAsync_NoBudget_ResultGoesInWholeAndNothingIsTrimmed()
    {
        ToolPipeline pipeline = Builder(Model(m => ScriptedChatClient.TurnOf(m) == 1 ? new ScriptedResponse().Call("read_log", "{}") : new ScriptedResponse().Text("Done.")))
            .AddTool(AIFunctionFactory.Create(() => "short", "read_log"), ToolEffects.ReadOnly)
            .Build();

        List<ToolPipelineEvent> events = Run(pipeline);

        Assert.Empty(events.OfType<ToolResultTrimmed>());
        Assert.Null(Assert.Single(events.OfType<ToolCallCompleted>()).ResultForModel);
        Assert.Equal("short", ((JsonElement)ResultIn(_requests[1], "call_t1_0").Result!).GetString());
    }

    [Fact]
    public void RunAsync_ConversationGrowsPastTheWindow_WarnsOnceThenEndsBeforeTheRequestThatWouldOverflow()
    {
        string page = s_log[..4_000];
        int pageTokens = Counter.CountTokens(page);

        // Room for five pages and the messages around them, not for six.
        int window = (5 * pageTokens) + 200;
        ToolPipeline pipeline = Builder(Model(_ => new ScriptedResponse().Call("read_page", "{}")))
            .AddTool(AIFunctionFactory.Create(() => page, "read_page"), ToolEffects.ReadOnly)
            .WithMaxTurns(20)
            .WithContextWindow(window)
            .Build();

        List<ToolPipelineEvent> events = Run(pipeline);

        ContextWindowFilling filling = Assert.Single(events.OfType<ContextWindowFilling>());
        ContextWindowExceeded exceeded = Assert.Single(events.OfType<ContextWindowExceeded>());
        Assert.Equal((window, 0.9), (filling.ContextWindowTokens, filling.WarningRatio));
        Assert.InRange(filling.Tokens, 0.9 * window, window);
        Assert.InRange(exceeded.Tokens, window + 1, window + pageTokens);
        RunCompleted completed = Assert.IsType<RunCompleted>(events[^1]);
        Assert.Equal(RunCompletionReason.ContextWindowExceeded, completed.Reason);

        // Six requests went out (the sixth with five pages, past 90%); the seventh, with six, would not fit.
        Assert.Equal(6, _requests.Count);
        Assert.Equal(6, events.OfType<TurnCompleted>().Count());
        Assert.Equal((6, 7), (filling.Turn, exceeded.Turn));
        Assert.True(events.IndexOf(filling) < events.IndexOf(events.OfType<TurnStarted>().Single(t => t.Turn == 6)));
        Assert.True(events.IndexOf(events.OfType<TurnCompleted>().Last()) < events.IndexOf(exceeded));
        Assert.Equal(1 + (6 * 2), completed.Messages.Count);
    }

    [Fact]
    public void RunAsync_FirstRequestOverTheWindow_NothingIsSent()
    {
        ToolPipeline pipeline = Builder(Model(_ => new ScriptedResponse().Text("never"))).WithContextWindow(5).Build();

        List<ToolPipelineEvent> events = Run(pipeline);

        Assert.Empty(_requests);
        Assert.Equal(["ContextWindowExceeded", "RunCompleted"], events.Select(e => e.GetType().Name));
        Assert.Equal(RunCompletionReason.ContextWindowExceeded, ((RunCompleted)events[^1]).Reason);
    }

    [Fact]
    public void Options_InvalidBudgetsAndWindows_Rejected()
    {
        var options = new ToolPipelineOptions();
        Assert.Throws<ArgumentOutOfRangeException>(() => options.ContextWindowTokens = 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.ContextWindowWarningRatio = 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.ContextWindowWarningRatio = 1.5);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.ContextWindowWarningRatio = double.NaN);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.ContextWindowMessageOverheadTokens = -1);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.Results.MaxResultTokens = -4_000);
        Assert.Throws<ArgumentNullException>(() => options.TokenCounter = null!);
        Assert.Throws<ArgumentOutOfRangeException>(() => ToolPipeline.CreateBuilder(new ScriptedChatClient([])).WithResultBudget(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ToolPipeline.CreateBuilder(new ScriptedChatClient([])).WithTurnResultBudget(10));
        Assert.Same(TiktokenCounter.O200kBase, options.TokenCounter);
    }

    [Fact]
    public void Count_SameMessagesAgain_TakenFromTheCache()
    {
        var tokens = new ConversationTokens(Counter, 4);
        ChatMessage user = new(ChatRole.User, "Hello there.");
        ChatMessage assistant = new(ChatRole.Assistant, [new FunctionCallContent("c1", "read_page", new Dictionary<string, object?> { ["page"] = 2 })]);
        ChatMessage tool = new(ChatRole.Tool, [new FunctionResultContent("c1", "page two")]);

        int first = tokens.Count([user]);
        int second = tokens.Count([user, assistant, tool]);

        Assert.Equal(Counter.CountTokens("Hello there.") + 4, first);
        Assert.Equal(first + Counter.CountTokens("read_page") + Counter.CountTokens("""{"page":2}""") + 4 + Counter.CountTokens("page two") + 4, second);
        Assert.Equal(3, tokens.MessagesCounted);
    }
}
